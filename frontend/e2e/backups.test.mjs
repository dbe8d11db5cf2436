// An administrator opens Backups (no backup yet, the point-in-time archive), clicks "Back up
// now", sees the new backup verified in the list (its restore into a scratch database passed),
// and the home page then says how old the last verified backup is, linking to Backups.
// Then they move the backup folder (a relative path is refused beside the field), back up into
// the new folder, and restore that backup from the UI: the progress shows, Chelal restarts on
// the restored data, the login page says so, and a patient registered after the backup is gone.
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ADMIN, Chelal, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();

test('an administrator backs up now, sees it verified, and the home page shows its age', { timeout: 240_000 }, async () => {
  const page = await newPage(clinic.browser);
  await scenario('backups', page, async () => {
    await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);

    // Home: no verified backup yet, in orange, linking to Backups.
    const line = page.locator('[data-testid=home-last-backup]');
    await line.getByText('No verified backup yet').waitFor();
    assert.equal(await line.getAttribute('data-stale'), 'true');
    await line.getByRole('link').click();
    await page.waitForURL(/\/backups$/);

    // Backups: empty list, the schedule, the point-in-time archive and how to recover to a moment.
    await page.locator('[data-testid=backups-none]').waitFor();
    await page.getByText('once a day from 12:30').waitFor();
    const archive = page.locator('[data-testid=backup-archive]');
    assert.match(await archive.innerText(), /chelal restore --to "YYYY-MM-DD HH:MM"/);
    assert.match(await archive.innerText(), /Point-in-time archive: [\d.]+ (kB|MB|GB)|keeps no point-in-time archive/);

    // Back up now: the button is busy while the server writes and verifies the backup.
    // (a quick backup may be done before a poll would see it: a DOM observer records it)
    await page.evaluate(() => {
      window.__backupBusy = false;
      new MutationObserver(() => {
        const busy = document.querySelector('[data-testid=backup-running]');
        const btn = document.querySelector('[data-testid=backup-now]');
        if (busy && btn?.disabled) window.__backupBusy = true;
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const button = page.locator('[data-testid=backup-now]');
    await button.click();
    const row = page.locator('[data-testid=backups-table] tbody tr').first();
    await row.locator('[data-verification=ok]').waitFor({ timeout: 120_000 });
    await page.getByText('Backup written and verified').waitFor();
    await page.locator('[data-testid=backup-running]').waitFor({ state: 'detached' });
    assert.equal(await button.isDisabled(), false);
    assert.equal(await page.evaluate(() => window.__backupBusy), true, 'the button was disabled with a loader while the backup ran');
    const text = await row.innerText();
    assert.match(text, /Verified/i); // the badge is upper-cased by CSS
    assert.match(text, /\d+ tables, \d+ rows/);
    assert.match(text, /\d\.\d+ MB/);
    assert.match((await row.getAttribute('data-file')) ?? '', /\.chelal-backup$/);

    // Home: the last verified backup is minutes old, not flagged.
    await page.locator('[data-testid=main-nav] [data-area=home]').click();
    await line.getByText(/Last verified backup: (this minute|\d+ minutes? ago)/).waitFor();
    assert.equal(await line.getAttribute('data-stale'), 'false');
    assert.deepEqual(page.jsErrors, []);
  });
});

test('an administrator moves the backup folder, backs up there, and restores that backup from the UI', { timeout: 300_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  // A folder outside the data dir that the server's user may write (the harness runs it as nobody when we are root).
  const moved = join(dirname(chelal.dataDir), 'usb-backups');
  mkdirSync(moved, { mode: 0o700 });
  if (process.getuid?.() === 0) chownSync(moved, 65534, 65534);
  const before = (await chelal.api('POST', '/api/v1/patients', { first_name: 'Amani', last_name: 'Kabla', date_of_birth: '1990-01-02', gender: 'female', confirm_duplicate: true }, admin)).json;

  const page = await newPage(browser);
  await scenario('backups-restore', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=backups]').click();

    // The folder: where backups go now; a relative path is refused beside the field.
    const card = page.locator('[data-testid=backup-folder]');
    const input = card.locator('input[name=dir]');
    assert.equal(await card.getAttribute('data-fixed'), 'false');
    assert.match(await input.inputValue(), /^\/.+/, 'the current folder is shown');
    await input.fill('usb-backups');
    await card.locator('[data-testid=backup-folder-save]').click();
    await card.getByText("Give the folder's full path").waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await input.fill(moved);
    await card.locator('[data-testid=backup-folder-save]').click();
    await page.getByText(`Backups now go to ${moved}.`).waitFor();
    assert.notEqual(await input.getAttribute('aria-invalid'), 'true');
    const folder = (await chelal.api('GET', '/api/v1/backups/folder', undefined, admin)).json;
    assert.equal(folder.dir, moved);
    if (folder.restart_needed) {
      // the WAL archive follows at the next start, which the card says
      await card.locator('[data-testid=backup-folder-restart]').getByText(/next start/).waitFor();
    }
    // The list is the new folder's: empty.
    await page.locator('[data-testid=backups-none]').waitFor();

    // A backup into the new folder.
    await page.locator('[data-testid=backup-now]').click();
    const row = page.locator('[data-testid=backups-table] tbody tr').first();
    await row.locator('[data-verification=ok]').waitFor({ timeout: 120_000 });
    const file = await row.getAttribute('data-file');
    assert.ok(existsSync(join(moved, file)), `${file} is in the new folder`);

    // After the backup: a patient the restore must take away.
    const after = (await chelal.api('POST', '/api/v1/patients', { first_name: 'Neema', last_name: 'Baadaye', date_of_birth: '1991-03-04', gender: 'female', confirm_duplicate: true }, admin)).json;
    assert.ok(after.id > before.id);

    // Restore it: the dialog says what happens; the progress shows, then the restart.
    await page.evaluate(() => {
      window.__restoreSeen = [];
      new MutationObserver(() => {
        for (const id of ['restore-progress', 'restore-restarting']) {
          if (document.querySelector(`[data-testid=${id}]`) && !window.__restoreSeen.includes(id)) window.__restoreSeen.push(id);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await row.locator('[data-testid=restore]').click();
    const form = page.locator('[data-testid=restore-form]');
    await form.getByText('loaded into a new database and checked').waitFor();
    await form.getByText('The current database is kept').waitFor();
    await form.locator('[data-testid=restore-confirm]').click();
    await page.locator('[data-testid=login-form]').waitFor({ timeout: 180_000 });
    await page.getByText(/The restore is finished: Chelal now uses the database \S+; the previous one, \S+, is kept\./).waitFor();
    assert.deepEqual(await page.evaluate(() => window.__restoreSeen), ['restore-progress', 'restore-restarting']);
    assert.equal(new URL(page.url()).pathname, '/');

    // Logging in again works; the patient registered before the backup is there, the one after is not.
    await page.locator('[data-testid=login-form] input[name=username]').fill(ADMIN.username);
    await page.locator('[data-testid=login-form] input[name=password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=main-nav]').waitFor();
    const session = await chelal.login(ADMIN.username, ADMIN.password);
    const find = async (q) => (await chelal.api('GET', `/api/v1/patients?q=${q}`, undefined, session)).json.items.map((m) => m.id);
    assert.deepEqual(await find('Kabla'), [before.id]);
    assert.deepEqual(await find('Baadaye'), []);
    const status = (await chelal.api('GET', '/api/v1/backups/restore', undefined, session)).json;
    assert.ok(['idle', 'done'].includes(status.state), status.state);
    assert.deepEqual(page.jsErrors, []);
  });
});

test('a backup folder fixed by CHELAL_BACKUP_DIR is shown read-only, saying so', { timeout: 180_000 }, async () => {
  const dir = join(dirname(clinic.chelal.dataDir), 'fixed-backups');
  mkdirSync(dir, { mode: 0o700 });
  if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
  const chelal = await Chelal.create({ env: { CHELAL_BACKUP_DIR: dir } });
  await chelal.start();
  const admin = await chelal.setup();
  const page = await newPage(clinic.browser);
  await scenario('backups-fixed', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=backups]').click();
    const card = page.locator('[data-testid=backup-folder][data-fixed=true]');
    await card.getByText('set by the environment variable CHELAL_BACKUP_DIR on the server').waitFor();
    assert.equal(await card.locator('input[name=dir]').inputValue(), dir);
    assert.equal(await card.locator('input[name=dir]').getAttribute('readonly'), '');
    assert.equal(await card.locator('[data-testid=backup-folder-save]').count(), 0);
    // and the server refuses a move
    await assert.rejects(chelal.api('PUT', '/api/v1/backups/folder', { dir: '/tmp' }, admin), /409 .*backup-folder-fixed/);
    assert.deepEqual(page.jsErrors, []);
  });
  await chelal.stop();
});
