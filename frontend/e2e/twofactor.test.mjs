// Two-factor authentication: enrolment in the profile (QR code and secret, confirmed with a
// code, recovery codes shown once), then a login that asks for the code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, currentStep, loginUI, logoutUI, newPage, scenario, totp, withClinic } from './harness.mjs';

const clinic = withClinic();
let adminCodes = []; // the administrator's unused recovery codes, after the first test

test('enrol in 2FA, then log in with a generated code and with a recovery code', { timeout: 180_000 }, async () => {
  const page = await newPage(clinic.browser);
  await scenario('twofactor', page, async () => {
    await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=profile]').click();
    const card = page.locator('[data-testid=two-factor-card]');
    await card.locator('[data-testid=two-factor-start]').click();

    // the QR code is an image, the secret is shown for typing by hand
    const qr = card.locator('img.qr');
    await qr.waitFor();
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image loads');
    const secret = await card.locator('[data-testid=two-factor-secret]').getAttribute('data-secret');
    assert.match(secret, /^[A-Z2-7]+=*$/);

    const form = card.locator('[data-testid=two-factor-enable-form]');
    await form.locator('input[name=code]').fill('000000' === totp(secret) ? '111111' : '000000');
    await page.keyboard.press('Enter');
    await form.locator('input[name=code][aria-invalid=true]').waitFor(); // refused beside the field

    const enabledAt = currentStep();
    await form.locator('input[name=code]').fill(totp(secret, enabledAt));
    await page.keyboard.press('Enter');
    await card.locator('[data-testid=recovery-codes] code').first().waitFor();
    const codes = await card.locator('[data-testid=recovery-codes] code').allInnerTexts();
    assert.equal(codes.length, 10);
    await card.getByRole('button', { name: 'I have kept them' }).click();
    await card.locator('[data-testid=two-factor-status]').getByText('On').waitFor();

    // log in again: username and password, then the code
    await logoutUI(page);
    await page.locator('[data-testid=login-form] input[name=username]').fill(ADMIN.username);
    await page.locator('[data-testid=login-form] input[name=password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    const otp = page.locator('[data-testid=otp-form] input[name=otp]');
    await otp.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'otp', 'the code field has the focus');
    // the code that enabled 2FA is spent; the next step's is accepted (one step of clock drift)
    await otp.fill(totp(secret, enabledAt + 1));
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=main-nav]').waitFor();

    // a recovery code works instead of the app's code, once
    await logoutUI(page);
    await page.locator('[data-testid=login-form] input[name=username]').fill(ADMIN.username);
    await page.locator('[data-testid=login-form] input[name=password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    await otp.fill(codes[0]);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=main-nav]').waitFor();
    adminCodes = codes.slice(1);
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});

test('an administrator changes a role, resets a lost 2FA and deactivates a user', { timeout: 120_000 }, async () => {
  assert.ok(adminCodes.length >= 2, 'the administrator enrolled in 2FA in the test above');
  const page = await newPage(clinic.browser);
  await scenario('user-admin', page, async () => {
    // the administrator has 2FA on after the first test: log in through the UI with a code
    await page.goto(clinic.chelal.url + '/');
    await page.locator('[data-testid=login-form] input[name=username]').fill(ADMIN.username);
    await page.locator('[data-testid=login-form] input[name=password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    const otp = page.locator('[data-testid=otp-form] input[name=otp]');
    await otp.waitFor();
    const cookieLess = await page.evaluate(() => document.cookie);
    assert.equal(cookieLess, '', 'the session cookie is HttpOnly');
    await otp.fill(adminCodes.shift());
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=main-nav]').waitFor();

    // a doctor with 2FA on, set up through the API
    const api = await clinic.chelal.login(ADMIN.username, ADMIN.password, adminCodes.shift());
    const doctorRole = await clinic.chelal.roleId(api, 'doctor');
    const nurseRole = await clinic.chelal.roleId(api, 'nurse');
    const { json: created } = await clinic.chelal.api(
      'POST',
      '/api/v1/users',
      { username: 'daktari', password: 'daktari-mzuri-2026', first_name: 'Juma', last_name: 'Hassan', email: 'juma@clinic.test', role_id: doctorRole },
      api,
    );
    const doc = await clinic.chelal.login('daktari', 'daktari-mzuri-2026');
    const { json: enrol } = await clinic.chelal.api('POST', '/api/v1/auth/2fa/setup', undefined, doc);
    await clinic.chelal.api('POST', '/api/v1/auth/2fa/enable', { code: totp(enrol.secret) }, doc);

    await page.goto(clinic.chelal.url + `/users/${created.user.id}`);
    const form = page.locator('[data-testid=user-edit-form]');
    await form.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'first_name', 'the first field has the focus');
    await page.getByRole('button', { name: 'Reset two-factor' }).click();
    await page.getByRole('button', { name: 'Turn it off' }).click();
    await page.getByText('Two-factor authentication of daktari is off.').waitFor();

    await form.waitFor(); // the form is shown again with the new version
    await form.locator('select[name=role_id]').selectOption({ label: 'Nurse' });
    await form.locator('input[name=is_active]').press('Space'); // deactivate, with the keyboard
    await form.locator('input[name=first_name]').press('Enter');
    await form.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid=users-table] tr[data-username=daktari]');
    await row.getByText('Deactivated').waitFor();
    assert.match(await row.innerText(), /Nurse/);

    const { json: after } = await clinic.chelal.api('GET', `/api/v1/users/${created.user.id}`, undefined, api);
    assert.equal(after.user.two_factor_enabled, false);
    assert.equal(after.user.role_id, nurseRole);
    assert.equal(after.user.is_active, false);
    await assert.rejects(clinic.chelal.login('daktari', 'daktari-mzuri-2026'), /401|403/);
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});
