// The audit log screen: an administrator finds what happened to one patient's record (picked
// with the patient search), narrows it to the changes, opens one and sees the field's value
// before and after side by side; a date range with nothing in it shows nothing; the rows of one
// user's chart openings; the CSV export carries the same filters. Other roles do not get it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, fillDate, loginUI, logoutUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DOCTOR = { username: 'saida', password: 'daktari-salama-5', first_name: 'Saida', last_name: 'Omari' };

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

test('the audit log: filters, before and after, CSV export', { timeout: 240_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const api = async (method, path, body, session = admin) => (await chelal.api(method, path, body, session)).json;
  const doctor = (await api('POST', '/api/v1/users', { ...DOCTOR, email: 'saida@clinic.test', role_id: await chelal.roleId(admin, 'doctor') })).user;
  const amani = await api('POST', '/api/v1/patients', {
    first_name: 'Amani', last_name: 'Kombo', date_of_birth: '1979-11-02', gender: 'male', contact_info: '0711 000 000', confirm_duplicate: true,
  });
  const other = await api('POST', '/api/v1/patients', {
    first_name: 'Tumaini', last_name: 'Ndege', date_of_birth: '1988-05-20', gender: 'female', confirm_duplicate: true,
  });
  await api('PATCH', `/api/v1/patients/${amani.id}`, { version: amani.version, contact_info: '0722 111 111' });
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  await api('GET', `/api/v1/patients/${amani.id}`, undefined, doc); // a chart opening
  await api('GET', `/api/v1/patients/${other.id}`, undefined, doc);

  const page = await newPage(browser);
  await scenario('audit', page, async () => {
    // A doctor has no audit area, and the server refuses the export too.
    await loginUI(page, chelal.url, DOCTOR.username, DOCTOR.password);
    assert.equal(await page.locator('[data-testid=main-nav] [data-area=audit]').count(), 0);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/audit.csv')).status), 403);
    await logoutUI(page);

    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=audit]').click();
    const rows = page.locator('[data-testid=audit-table-rows] tbody tr');
    await rows.first().waitFor();

    // The patient: their record's creation, change and opening; nothing of the other patient.
    await page.locator('[data-testid=audit-patient-input]').fill('Amani Kombo');
    await page.locator('[data-testid=audit-patient] [role=option]').first().click();
    await page.locator('[data-testid=audit-patient-chosen]').getByText(amani.unique_id, { exact: false }).waitFor();
    await page.locator(`[data-testid=audit-table-rows] tbody tr[data-action=view]`).waitFor();
    const shown = async () => rows.evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-action')} ${r.getAttribute('data-model')}`));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table-rows] tbody tr').length === 3);
    assert.deepEqual((await shown()).sort(), ['create core_patient', 'update core_patient', 'view core_patient']);

    // Narrowed to the changes: one, opened in the drawer with before and after side by side.
    await page.locator('[data-testid=audit-action]').selectOption('update');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table-rows] tbody tr').length === 1);
    await rows.first().click();
    const field = page.locator('[data-testid=audit-diff] tr[data-field=contact_info]');
    await field.waitFor();
    assert.equal(await field.locator('[data-testid=before]').innerText(), '0711 000 000');
    assert.equal(await field.locator('[data-testid=after]').innerText(), '0722 111 111');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=audit-detail]').waitFor({ state: 'hidden' });

    // The export carries the same filters.
    const href = await page.locator('[data-testid=audit-csv]').getAttribute('href');
    assert.match(href, new RegExp(`patient_id=${amani.id}`));
    assert.match(href, /action=update/);
    const csv = await page.evaluate(async (h) => {
      const r = await fetch(h);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    assert.equal(csv.status, 200);
    assert.match(csv.type, /^text\/csv/);
    const lines = csv.text.trim().split('\n');
    assert.equal(lines[0], 'id,time,user,action,table,record id,IP address,before,after,details');
    assert.equal(lines.length, 2);
    assert.match(lines[1], /,admin,update,core_patient,/);
    assert.match(lines[1], /0711 000 000/);

    // Tomorrow has nothing yet.
    await fillDate(page.locator('[data-testid=audit-from]'), iso(new Date(Date.now() + 86_400_000)));
    await page.locator('[data-testid=audit-none]').waitFor();
    await fillDate(page.locator('[data-testid=audit-from]'), '');

    // The doctor's chart openings, of every patient once the patient is cleared.
    await page.locator('[data-testid=audit-patient-chosen] button').click();
    await page.locator('[data-testid=audit-action]').selectOption('view');
    await page.locator('[data-testid=audit-user]').selectOption(String(doctor.id));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table-rows] tbody tr').length === 2);
    assert.deepEqual(await rows.evaluateAll((rs) => rs.map((r) => r.children[1].textContent)), ['saida', 'saida']);
    assert.deepEqual(page.jsErrors, []);
  });
});
