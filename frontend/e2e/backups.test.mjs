// An administrator opens Backups (no backup yet, the restore explanation), clicks "Back up
// now", sees the new backup verified in the list (its restore into a scratch database passed),
// and the home page then says how old the last verified backup is, linking to Backups.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

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

    // Backups: empty list, the schedule and how to restore.
    await page.locator('[data-testid=backups-none]').waitFor();
    await page.getByText('once a day from 12:30').waitFor();
    assert.match(await page.locator('[data-testid=backups-restore]').innerText(), /chelal restore FILE/);

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
