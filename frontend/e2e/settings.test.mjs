// The clinic's settings: an administrator opens Settings, a bad consultation fee code is refused
// beside its field, then the clinic's name and the temperature unit are changed; a reload keeps
// what was typed (the draft); someone else's change meanwhile is loaded with the typed values
// kept on top, and the second save goes through. A nurse's vitals form then speaks °F (and lb,
// the other administrator's change); the printable prescription of a closed consultation
// carries the new name. A doctor has no Settings area.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, loginUI, navAreas, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const NURSE = { username: 'rehema', password: 'muuguzi-salama-1', first_name: 'Rehema', last_name: 'Juma' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };
const DOCTOR2 = { username: 'amina', password: 'daktari-salama-2', first_name: 'Amina', last_name: 'Odhiambo' };

async function fixtures() {
  const { chelal, admin } = clinic;
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const user = async (role, u) => (await api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) })).user;
  await user('nurse', NURSE);
  const doctor = await user('doctor', DOCTOR);
  const other = await user('doctor', DOCTOR2); // a walk-in takes the doctor's current slot: the second visit is another doctor's
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  // A consultation already closed, with a prescription to print.
  const seen = await api('POST', '/api/v1/patients', { first_name: 'Baraka', last_name: 'Mwakilema', date_of_birth: '1984-02-11', gender: 'male', confirm_duplicate: true });
  const first = await api('POST', '/api/v1/appointments', { patient_id: seen.id, doctor_id: doctor.id, walk_in: true, reason: 'Cough' }, doc);
  const encounter = await api('POST', '/api/v1/encounters', { appointment_id: first.id, notes: 'Dry cough for a week.', diagnosis: 'Bronchitis' }, doc);
  await api('POST', `/api/v1/encounters/${encounter.id}/prescriptions`, { medication_name: 'Amoxicillin 500 mg', dosage: '500 mg', frequency: 'three times a day', duration: '5 days', quantity: 15 }, doc);
  await api('POST', `/api/v1/encounters/${encounter.id}/close`, { version: encounter.version }, doc);
  // A patient checked in and waiting for the nurse.
  const waiting = await api('POST', '/api/v1/patients', { first_name: 'Halima', last_name: 'Said', date_of_birth: '1990-05-01', gender: 'female', confirm_duplicate: true });
  const visit = await api('POST', '/api/v1/appointments', { patient_id: waiting.id, doctor_id: other.id, walk_in: true, reason: 'Fever' });
  assert.equal(visit.status, 'checked_in');
  return { encounter, visit };
}

test('an administrator changes the settings; the nurse and the printed prescription follow; a doctor has no Settings', { timeout: 300_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const { encounter, visit } = await fixtures();
  const settings = async () => (await chelal.api('GET', '/api/v1/settings', undefined, admin)).json;
  const before = await settings();
  assert.equal(before.temperature_unit, 'C');

  const page = await newPage(browser);
  await scenario('settings-admin', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    assert.ok((await navAreas(page)).includes('settings'), 'an administrator sees Settings');
    await page.locator('[data-testid=main-nav] [data-area=settings]').click();
    await page.waitForURL((u) => u.pathname === '/settings');
    const form = page.locator('[data-testid=settings-form]');
    await form.waitFor();
    assert.equal(await form.locator('input[name=clinic_name]').inputValue(), 'Kliniki ya Majaribio');
    // the record number prefix is shown, not editable
    const prefix = form.locator('input[name=mrn_prefix]');
    assert.equal(await prefix.inputValue(), before.mrn_prefix);
    assert.notEqual(await prefix.getAttribute('readonly'), null);
    await form.getByText('It cannot change once record numbers have been issued.').waitFor();
    // nothing changed: nothing to save
    assert.equal(await form.locator('[data-testid=settings-save]').isDisabled(), true);

    // A code the catalog cannot have: refused by the server, said beside the field.
    const code = form.locator('input[name=billing_consultation_code]');
    await code.fill('a b');
    await form.locator('[data-testid=settings-save]').click();
    await form.getByText('A catalog code: letters, digits, - _ . (at most 50).').waitFor();
    assert.equal(await code.getAttribute('aria-invalid'), 'true');
    assert.equal(await code.inputValue(), 'a b', 'nothing typed is lost');
    assert.equal((await settings()).version, before.version, 'nothing was saved');

    // Put the code back, change the unit and the name.
    await code.fill('CONSULT');
    await form.locator('[data-testid=settings-temperature]').getByText('Fahrenheit (°F)').click();
    await form.locator('input[name=clinic_name]').fill('Zahanati ya Amani');
    await form.locator('[data-testid=settings-changed][data-count="2"]').waitFor();

    // A reload keeps what was typed.
    await page.waitForTimeout(200);
    await page.reload();
    await page.locator('[data-testid=draft-restored]').waitFor();
    assert.equal(await form.locator('input[name=clinic_name]').inputValue(), 'Zahanati ya Amani');
    assert.equal(await form.locator('input[name=temperature_unit][value=F]').isChecked(), true);

    // Meanwhile another administrator changes the weight unit: the save is refused as stale,
    // the values in effect are loaded (lb) with the typed ones kept, and saving again works.
    const now = await settings();
    await chelal.api('PATCH', '/api/v1/settings', { version: now.version, weight_unit: 'lb' }, admin);
    await form.locator('[data-testid=settings-save]').click();
    const stale = page.locator('[data-testid=settings-stale]');
    await stale.waitFor();
    assert.match(await stale.innerText(), /Weight unit/);
    assert.equal(await form.locator('input[name=weight_unit][value=lb]').isChecked(), true, 'the current values are loaded');
    assert.equal(await form.locator('input[name=clinic_name]').inputValue(), 'Zahanati ya Amani', 'the typed name is kept');
    assert.equal(await form.locator('input[name=temperature_unit][value=F]').isChecked(), true, 'the typed unit is kept');
    await form.locator('[data-testid=settings-save]').click();
    await page.getByText('Settings saved.').waitFor();
    await stale.waitFor({ state: 'detached' });
    const after = await settings();
    assert.equal(after.clinic_name, 'Zahanati ya Amani');
    assert.equal(after.temperature_unit, 'F');
    assert.equal(after.weight_unit, 'lb');
    assert.equal(after.billing_consultation_code, 'CONSULT');
    assert.equal(await form.locator('[data-testid=settings-save]').isDisabled(), true);

    // Saved: a reload shows the values in effect, no draft.
    await page.reload();
    await form.waitFor();
    assert.equal(await form.locator('input[name=clinic_name]').inputValue(), 'Zahanati ya Amani');
    assert.equal(await page.locator('[data-testid=draft-restored]').count(), 0);
    assert.deepEqual(page.jsErrors, [], 'no script errors and no CSP violations');
  });
  await page.context().close();

  // The nurse types in °F (and lb).
  const nurse = await newPage(browser);
  await scenario('settings-nurse', nurse, async () => {
    await loginUI(nurse, chelal.url, NURSE.username, NURSE.password);
    assert.ok(!(await navAreas(nurse)).includes('settings'));
    await nurse.locator('[data-testid=main-nav] [data-area=vitals]').click();
    await nurse.locator(`[data-testid=take-vitals-${visit.id}]`).click();
    await nurse.waitForURL((u) => /^\/vitals\/\d+$/.test(u.pathname));
    const form = nurse.locator('[data-testid=vitals-form]');
    await form.getByLabel('Temperature (°F)').waitFor();
    await form.getByLabel('Weight (lb)').waitFor();
    assert.deepEqual(nurse.jsErrors, []);
  });
  await nurse.context().close();

  // The doctor: no Settings area; the printed prescription carries the clinic's new name.
  const doctor = await newPage(browser);
  await scenario('settings-doctor', doctor, async () => {
    await loginUI(doctor, chelal.url, DOCTOR.username, DOCTOR.password);
    assert.ok(!(await navAreas(doctor)).includes('settings'), 'a doctor does not see Settings');
    await doctor.goto(`${chelal.url}/settings`);
    await doctor.getByText('Your role does not give access to this area.').waitFor();
    assert.equal(await doctor.locator('[data-testid=settings-form]').count(), 0);
    await doctor.goto(`${chelal.url}/consultations/${encounter.id}/prescription`);
    const sheet = doctor.locator('[data-testid=prescription-sheet]');
    await sheet.waitFor();
    assert.equal(await sheet.locator('[data-testid=clinic-name]').innerText(), 'Zahanati ya Amani');
    assert.match(await sheet.innerText(), /Amoxicillin 500 mg/);
    assert.deepEqual(doctor.jsErrors, []);
  });
  await doctor.context().close();
});
