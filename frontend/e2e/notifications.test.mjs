// The notification bell: a pharmacist's stock correction takes a medication under its reorder
// level, which notifies the pharmacists and the administrators (a real low-stock notification);
// a failed backup is written for the administrator straight into the embedded database. The
// administrator sees the unread count on the bell, opens it from the keyboard, follows the
// backup notification to the Backups screen (which marks it read), marks the other read, and
// the badge goes away. The pharmacist marks everything read at once; a receptionist has no
// notification at all.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADMIN, loginUI, logoutUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const PHARMACIST = { username: 'neema', password: 'dawa-salama-2027', first_name: 'Neema', last_name: 'Mushi' };
const RECEPTIONIST = { username: 'faraji', password: 'mapokezi-salama-1', first_name: 'Faraji', last_name: 'Ali' };

/** sql runs a statement on the embedded PostgreSQL of the clinic's server (psql, loopback). */
function sql(statement) {
  const pg = join(clinic.chelal.dataDir, 'pg');
  const password = readFileSync(join(pg, 'password'), 'utf8').trim();
  const port = readFileSync(join(pg, 'data', 'postmaster.pid'), 'utf8').split('\n')[3].trim();
  return execFileSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', port, '-U', 'chelal', '-d', 'chelal', '-c', statement], {
    env: { PATH: '/usr/bin:/bin', PGPASSWORD: password },
    encoding: 'utf8',
  }).trim();
}

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

async function fixtures() {
  const { chelal, admin } = clinic;
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const user = async (role, u) => api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) });
  await user('pharmacist', PHARMACIST);
  await user('receptionist', RECEPTIONIST);
  const pha = await chelal.login(PHARMACIST.username, PHARMACIST.password);
  // Ten received, eight found broken: two left, under the reorder level of five.
  const category = await api('POST', '/api/v1/medication-categories', { name: 'Analgesics' });
  const med = await api('POST', '/api/v1/medications', { name: 'Paracetamol', category_id: category.id, strength: '500 mg', form: 'tablet', unit_price: '2.00', reorder_level: 5 });
  const expiry = new Date();
  expiry.setFullYear(expiry.getFullYear() + 1);
  await api('POST', `/api/v1/medications/${med.id}/batches`, { batch_number: 'PCM-01', expiry_date: iso(expiry), quantity: 10, unit_cost: '1.00' }, pha);
  await api('POST', `/api/v1/medications/${med.id}/stock-adjustments`, { quantity_change: -8, reason: 'Broken in transport' }, pha);
  // A failed backup, as the backup schedule writes it, for the administrator only.
  sql(`INSERT INTO core_notification (user_id, title, message, notification_type)
       VALUES (${Number(admin.user.id)}, 'Backup failed', 'The scheduled backup into /media/usb failed: disk full.', 'backup_failed')`);
  return { pha };
}

const badge = (page) => page.locator('[data-testid=notification-badge]');
const badgeLabel = (page) => badge(page).locator('.mantine-Indicator-indicator');

test('the bell: unread count, open, follow, mark read; only the addressee sees it', { timeout: 240_000 }, async () => {
  const { chelal, browser } = clinic;
  const { pha } = await fixtures();
  const mine = async (session) => (await chelal.api('GET', '/api/v1/notifications', undefined, session)).json;
  assert.equal((await mine(clinic.admin)).unread_count, 2, 'the administrator has the low stock and the failed backup');
  assert.equal((await mine(pha)).unread_count, 1, 'the pharmacist has the low stock');

  const page = await newPage(browser);
  // Logged out, nothing asks for notifications (the login screen, and after each logout).
  const asked = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/v1/notifications')) asked.push(r.url());
  });
  await page.goto(chelal.url + '/');
  await page.locator('[data-testid=login-form]').waitFor();
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.waitForTimeout(300);
  assert.deepEqual(asked, [], 'no request on the login screen');

  await scenario('notifications-admin', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await badge(page).and(page.locator('[data-count="2"]')).waitFor();
    assert.equal(await badgeLabel(page).textContent(), '2');
    const bell = page.locator('[data-testid=notification-bell]');
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications: 2 unread');

    // Opened from the keyboard: the newest first, both unread.
    await bell.focus();
    await page.keyboard.press('Enter');
    const panel = page.locator('[data-testid=notification-panel]');
    await panel.waitFor();
    const items = panel.locator('[data-testid=notification]');
    await items.first().waitFor();
    assert.deepEqual(await items.locator('[data-testid=notification-title]').allTextContents(), ['Unread: Backup failed', 'Unread: Low stock: Paracetamol']);
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-read'))), ['false', 'false']);
    await panel.getByText('The scheduled backup into /media/usb failed: disk full.').waitFor();
    await panel.locator('time').first().getByText('now').or(panel.locator('time').first().getByText(/seconds? ago|minutes? ago/)).waitFor();
    // Escape closes it and gives the focus back to the bell.
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    assert.equal(await bell.evaluate((el) => el === document.activeElement), true);

    // The failed backup leads to the Backups screen, and is read once followed.
    await bell.click();
    const backup = panel.locator('[data-testid=notification][data-type=backup_failed]');
    await backup.locator('[data-testid=notification-link]').getByText('Go to backups').click();
    await page.waitForURL((u) => u.pathname === '/backups');
    await panel.waitFor({ state: 'hidden' });
    await badge(page).and(page.locator('[data-count="1"]')).waitFor();
    assert.equal(await badgeLabel(page).textContent(), '1');

    // The low stock (with its link to the pharmacy alerts) marked read by its own button.
    await bell.click();
    const low = panel.locator('[data-testid=notification][data-type=low_stock]');
    assert.equal(await low.locator('[data-testid=notification-link]').getAttribute('href'), '/pharmacy/alerts');
    await panel.locator('[data-testid=notification][data-type=backup_failed][data-read=true]').waitFor();
    await low.getByRole('button', { name: 'Mark “Low stock: Paracetamol” as read' }).click();
    await panel.locator('[data-testid=notification][data-type=low_stock][data-read=true]').waitFor();
    await badge(page).and(page.locator('[data-count="0"]')).waitFor();
    assert.equal(await badgeLabel(page).count(), 0, 'no badge when nothing is unread');
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    assert.equal(await panel.locator('[data-testid=notification-read-all]').isDisabled(), true);
    assert.equal(sql(`SELECT count(*) FROM core_notification WHERE user_id = ${Number(clinic.admin.user.id)} AND NOT is_read`), '0');
    assert.deepEqual(page.jsErrors, []);
    await page.keyboard.press('Escape');
    await logoutUI(page);
  });

  // The pharmacist: the same low stock, marked read with "Mark all read".
  await scenario('notifications-pharmacist', page, async () => {
    await loginUI(page, chelal.url, PHARMACIST.username, PHARMACIST.password);
    await badge(page).and(page.locator('[data-count="1"]')).waitFor();
    await page.locator('[data-testid=notification-bell]').click();
    const panel = page.locator('[data-testid=notification-panel]');
    await panel.locator('[data-testid=notification][data-type=low_stock][data-read=false]').waitFor();
    await panel.locator('[data-testid=notification-read-all]').click();
    await panel.locator('[data-testid=notification][data-type=low_stock][data-read=true]').waitFor();
    await badge(page).and(page.locator('[data-count="0"]')).waitFor();
    assert.equal((await mine(pha)).unread_count, 0);
    await page.keyboard.press('Escape');
    await logoutUI(page);
  });

  // A receptionist: a bell with nothing in it.
  await scenario('notifications-receptionist', page, async () => {
    await loginUI(page, chelal.url, RECEPTIONIST.username, RECEPTIONIST.password);
    const bell = page.locator('[data-testid=notification-bell]');
    await bell.click();
    await page.locator('[data-testid=notification-empty]').getByText('No notifications.').waitFor();
    assert.equal(await badgeLabel(page).count(), 0);
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    assert.deepEqual(page.jsErrors, []);
    await page.keyboard.press('Escape');
    await logoutUI(page);
    asked.length = 0;
    await page.evaluate(() => {
      window.dispatchEvent(new Event('focus'));
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForTimeout(300);
    assert.deepEqual(asked, [], 'no request once logged out');
  });
});
