// Login lockout is not a weapon: a client guessing an account's password locks that account
// for the clients it has never logged in from, not for the browser the user logs in from;
// the administrator sees the lock on the Users screen and clears it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, launchBrowser, loginUI, logoutUI, newPage, scenario } from './harness.mjs';

let chelal;
let admin;
let browser;
const NURSE = { username: 'nurse1', password: 'afya-njema-kwa-wote-2026' };

before(async () => {
  chelal = await Chelal.create();
  await chelal.start();
  admin = await chelal.setup();
  const role_id = await chelal.roleId(admin, 'nurse');
  await chelal.api('POST', '/api/v1/users', { ...NURSE, email: 'nurse1@clinic.test', first_name: 'Neema', last_name: 'Otieno', role_id }, admin);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cleanup();
});

/** attempt logs in from Node: another client (no device cookie) at the same address as the browser. */
async function attempt(username, password) {
  const res = await fetch(chelal.url + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return res.status;
}

test('a guesser does not lock the administrator out of their workstation; the lock is shown and cleared', { timeout: 120_000 }, async () => {
  const page = await newPage(browser);
  await scenario('lockout', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password); // this browser is now a known workstation
    await logoutUI(page);

    for (let i = 0; i < 5; i++) assert.equal(await attempt(ADMIN.username, `guess number ${i}`), 401);
    assert.equal(await attempt(ADMIN.username, ADMIN.password), 429, 'the account is locked for unknown clients');
    for (let i = 0; i < 5; i++) assert.equal(await attempt(NURSE.username, `guess number ${i}`), 401);
    assert.equal(await attempt(NURSE.username, NURSE.password), 429);

    // The administrator's own browser still logs in.
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);

    await page.goto(chelal.url + '/users');
    const locks = page.locator('[data-testid=login-locks]');
    await locks.getByRole('heading', { name: 'Login locks' }).waitFor();
    const nurseLock = locks.locator('tr[data-scope=account][data-username=nurse1]');
    await nurseLock.waitFor();
    assert.match(await nurseLock.innerText(), /Every new workstation/);
    await locks.locator('tr[data-scope=account][data-username=admin]').waitFor();

    await nurseLock.getByRole('button', { name: 'Clear the failed logins of nurse1' }).click();
    await page.getByText('The failed logins of nurse1 were cleared.').waitFor();
    await locks.locator('tr[data-username=nurse1]').first().waitFor({ state: 'detached' });
    assert.equal(await attempt(NURSE.username, NURSE.password), 200, 'cleared: the nurse logs in again');
    assert.equal(await attempt(ADMIN.username, ADMIN.password), 429, 'the admin lock was not cleared with it');

    // The clearing is in the audit log.
    const { json } = await chelal.api('GET', '/api/v1/audit?action=login_unlocked', undefined, admin);
    assert.equal(json.items.length, 1);
    assert.equal(json.items[0].changes.username, 'nurse1');
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});

test('wrong current passwords on the profile are throttled like failed logins', { timeout: 120_000 }, async () => {
  const page = await newPage(browser);
  await scenario('reauth-lockout', page, async () => {
    await loginUI(page, chelal.url, NURSE.username, NURSE.password);
    await page.goto(chelal.url + '/profile');
    const form = page.locator('[data-testid=password-form]');
    const submit = async (current) => {
      await form.locator('input[name=current_password]').fill(current);
      await form.locator('input[name=new_password]').fill('a-brand-new-passphrase');
      await form.locator('input[name=confirm_password]').fill('a-brand-new-passphrase');
      await form.getByRole('button', { name: 'Change the password' }).click();
    };
    for (let i = 0; i < 5; i++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/password'));
      await submit(`not my password ${i}`);
      assert.equal((await answered).status(), 422);
      await form.getByText('The current password is wrong.').waitFor();
    }
    // The right password now waits its turn: the form says how long.
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/password'));
    await submit(NURSE.password);
    assert.equal((await answered).status(), 429);
    await form.getByRole('alert').filter({ hasText: /Too many attempts\. Try again in \d+ seconds\./ }).waitFor();

    const { json } = await chelal.api('GET', '/api/v1/audit?action=reauth_failed', undefined, admin);
    assert.equal(json.items.length, 5);
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});
