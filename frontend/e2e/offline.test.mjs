// A killed server: the offline banner shows, the typed input (never the password) is kept,
// and after the server is started again a reload puts it back in the form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();

test('offline banner, and typed input survives a reload after the server returns', { timeout: 180_000 }, async () => {
  const page = await newPage(clinic.browser);
  await scenario('offline', page, async () => {
    await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=users]').click();
    await page.locator('[data-testid=new-user]').click();
    await page.waitForURL(/\/users\/new$/);
    const form = page.locator('[data-testid=user-create-form]');
    await form.locator('input[name=first_name]').fill('Baraka');
    await form.locator('input[name=last_name]').fill('Njoroge');
    await form.locator('input[name=username]').fill('baraka');
    await form.locator('input[name=email]').fill('baraka@clinic.test');
    await form.locator('select[name=role_id]').selectOption({ label: 'Cashier' });
    await form.locator('input[name=password]').fill('siri-kubwa-sana-1');

    // power cut
    await clinic.chelal.kill();
    await page.keyboard.press('Enter'); // the save fails: no answer
    const banner = page.locator('[data-testid=offline-banner]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /The server cannot be reached/);
    assert.equal(await form.locator('input[name=username]').inputValue(), 'baraka', 'the form keeps its input');

    // kept in this tab's storage, without the password
    const stored = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
    assert.match(stored, /baraka@clinic\.test/);
    assert.doesNotMatch(stored, /siri-kubwa/);
    const local = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    assert.doesNotMatch(local, /siri-kubwa/);

    // the server comes back on the same data and port: the banner goes by itself
    await clinic.chelal.start();
    await banner.waitFor({ state: 'detached', timeout: 20_000 });

    // a reload (the session survived: it is in the database) brings the form back as typed
    await page.reload();
    await form.waitFor();
    await page.locator('[data-testid=draft-restored]').waitFor();
    assert.equal(await form.locator('input[name=first_name]').inputValue(), 'Baraka');
    assert.equal(await form.locator('input[name=last_name]').inputValue(), 'Njoroge');
    assert.equal(await form.locator('input[name=username]').inputValue(), 'baraka');
    assert.equal(await form.locator('input[name=email]').inputValue(), 'baraka@clinic.test');
    assert.equal(await form.locator('select[name=role_id] option:checked').innerText(), 'Cashier');
    assert.equal(await form.locator('input[name=password]').inputValue(), '', 'the password is never kept');

    // finishing the job saves the user and drops the draft
    await form.locator('input[name=password]').fill('siri-kubwa-sana-1');
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'detached' });
    await page.locator('[data-testid=users-table] tr[data-username=baraka]').waitFor();
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('clinic.chelal.draft.')).length), 0);
  });
  await page.context().close();
});
