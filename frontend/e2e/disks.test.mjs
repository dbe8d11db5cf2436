// An administrator of a clinic whose disks are low (CHELAL_DISK_LOW_MB set above any disk's
// free space) sees the warning on the home page, follows it to Backups, sees the disks' free
// space there with the low ones marked, and the leftover of a recovery to a moment (the
// database as it was before) with its size; they remove it after a confirmation, and it is gone
// from the list and from the disk.
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';

let chelal;
let browser;
before(async () => {
  chelal = await Chelal.create({ env: { CHELAL_DISK_LOW_MB: '100000000' } });
  await chelal.start();
  await chelal.setup();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await cleanup();
});

test('low disks are warned of on the home page; a leftover is listed with its size and removed from Backups', { timeout: 180_000 }, async () => {
  const name = 'data-before-recovery-20260101T000000Z';
  const leftover = join(chelal.dataDir, 'pg', name);
  mkdirSync(join(leftover, 'base'), { recursive: true, mode: 0o700 });
  writeFileSync(join(leftover, 'base', '1'), Buffer.alloc(4096));
  if (process.getuid?.() === 0) {
    for (const p of [leftover, join(leftover, 'base'), join(leftover, 'base', '1')]) chownSync(p, 65534, 65534);
  }

  const page = await newPage(browser);
  await scenario('disks', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);

    // Home: both disks are low (the threshold is above any disk), linking to Backups.
    const data = page.locator('[data-testid=home-disk-low][data-disk=data]');
    await data.getByText(/Disk space is low: [\d.,]+ (kB|MB|GB|TB) free for the Chelal data/).waitFor();
    await page.locator('[data-testid=home-disk-low][data-disk=backups]').waitFor();
    await data.getByRole('link').click();
    await page.waitForURL(/\/backups$/);

    // Backups: the disks with their free space, marked low.
    const disks = page.locator('[data-testid=backup-disks]');
    const dataDisk = disks.locator('[data-disk=data]');
    await dataDisk.waitFor();
    assert.equal(await dataDisk.getAttribute('data-low'), 'true');
    assert.match(await dataDisk.innerText(), /the Chelal data: [\d.,]+ \w+ free of [\d.,]+ \w+/);

    // The leftover, with what it is and its size; removed after a confirmation.
    const row = disks.locator(`[data-leftover="${name}"]`);
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /Database as it was before a recovery to a moment/);
    assert.match(text, /4 kB/);
    await row.locator('[data-testid=leftover-remove]').click();
    await page.getByText(`Remove ${name} (4 kB)? This cannot be undone.`).waitFor();
    await page.locator('[data-testid=leftover-remove-confirm]').click();
    await page.getByText(`${name} removed.`).waitFor();
    await row.waitFor({ state: 'detached' });
    await disks.locator('[data-testid=leftovers-none]').waitFor();
    assert.equal(existsSync(leftover), false, 'the folder is gone from the disk');
    assert.deepEqual(page.jsErrors, []);
  });
});
