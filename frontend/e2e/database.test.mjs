// The embedded database dies under a user typing a form: the save is answered "database
// unavailable" (not "unexpected error"), the banner says so and that Chelal retries, the form
// keeps every value, and when Chelal has restarted the database the banner goes by itself and
// the same form saves.
import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();

test('database unavailable: banner, input kept, back by itself', { timeout: 180_000 }, async () => {
  const page = await newPage(clinic.browser);
  await scenario('database', page, async () => {
    await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=users]').click();
    await page.locator('[data-testid=new-user]').click();
    await page.waitForURL(/\/users\/new$/);
    const form = page.locator('[data-testid=user-create-form]');
    await form.locator('input[name=first_name]').fill('Neema');
    await form.locator('input[name=last_name]').fill('Achieng');
    await form.locator('input[name=username]').fill('neema');
    await form.locator('input[name=email]').fill('neema@clinic.test');
    await form.locator('select[name=role_id]').selectOption({ label: 'Cashier' });
    await form.locator('input[name=password]').fill('siri-kubwa-sana-2');

    // The postmaster dies, and its restart is held back (PG_VERSION out of the way: the
    // supervisor refuses to start what is not a cluster, and retries) so the save meets it down.
    const data = join(clinic.chelal.dataDir, 'pg', 'data');
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    renameSync(join(data, 'PG_VERSION'), join(data, 'PG_VERSION.held'));
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await fetch(`${clinic.chelal.url}/api/v1/health`).catch(() => null);
      if (res && res.status === 503) break;
      assert.ok(Date.now() < deadline, 'health never reported the database down');
      await new Promise((r) => setTimeout(r, 50));
    }

    await page.keyboard.press('Enter'); // the save meets the dead database
    const banner = page.locator('[data-testid=offline-banner][data-reason=database]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /The database is unavailable, retrying/);
    assert.doesNotMatch(await page.locator('body').innerText(), /unexpected error/i);
    assert.equal(await form.locator('input[name=first_name]').inputValue(), 'Neema', 'the form keeps its input');
    assert.equal(await form.locator('input[name=username]').inputValue(), 'neema');
    assert.equal(await form.locator('input[name=email]').inputValue(), 'neema@clinic.test');
    assert.equal(await form.locator('input[name=password]').inputValue(), 'siri-kubwa-sana-2');

    // The cluster is back: Chelal restarts the database by itself and the banner goes.
    renameSync(join(data, 'PG_VERSION.held'), join(data, 'PG_VERSION'));
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'detached' });
    await page.locator('[data-testid=users-table] tr[data-username=neema]').waitFor();
    assert.match(clinic.chelal.log, /stopped unexpectedly; restarting it/);
  });
  await page.context().close();
});
