// Visit states everyone sees: one walk-in goes checked in -> vitals taken -> with the doctor ->
// to the pharmacy, and the reception queue, the nurse's list and the doctor's list show the same
// state badge with "waiting N min"; each list offers only its user's next step (no "Start
// consultation" for the receptionist or the nurse, no "Take vitals" once the patient is with
// the doctor). A second check-in of the same patient with the same doctor the same day is
// refused: two at once give one 201 and one 409 naming the existing visit, and the walk-in form
// says it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DESK = { username: 'neema', password: 'mapokezi-salama-1', first_name: 'Neema', last_name: 'Otieno' };
const NURSE = { username: 'rehema', password: 'muuguzi-salama-1', first_name: 'Rehema', last_name: 'Juma' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };

/** post sends a request as session and returns the status and the body, refusals included. */
async function post(url, path, body, session) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Cookie: session.cookie, 'X-CSRF-Token': session.csrf },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('visit states on the three lists, only each role’s next step, no double check-in', { timeout: 300_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const user = async (role, u) => (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  await user('receptionist', DESK);
  await user('nurse', NURSE);
  const doctor = await user('doctor', DOCTOR);
  const patient = async (first_name, last_name, date_of_birth) =>
    (await chelal.api('POST', '/api/v1/patients', { first_name, last_name, date_of_birth, gender: 'female', confirm_duplicate: true }, admin)).json;
  const amina = await patient('Amina', 'Wanjiru', '1988-05-14');
  const zuhura = await patient('Zuhura', 'Omari', '1992-11-02');
  const desk = await chelal.login(DESK.username, DESK.password);
  const nurseApi = await chelal.login(NURSE.username, NURSE.password);
  const doctorApi = await chelal.login(DOCTOR.username, DOCTOR.password);

  // Two desks check Amina in with Dr Kariuki at the same moment: one visit, one 409.
  const both = await Promise.all([desk, admin].map((s) => post(chelal.url, '/api/v1/appointments', { patient_id: amina.id, doctor_id: doctor.id, walk_in: true }, s)));
  assert.deepEqual(both.map((r) => r.status).sort(), [201, 409]);
  const visit = both.find((r) => r.status === 201).json;
  const refused = both.find((r) => r.status === 409).json;
  assert.match(refused.type, /already-checked-in$/);
  assert.equal(refused.details.appointment_id, visit.id);
  assert.equal(visit.visit_state, 'checked_in');
  const other = (await chelal.api('POST', '/api/v1/appointments', { patient_id: zuhura.id, doctor_id: doctor.id, walk_in: true }, desk)).json;

  const row = (page, list, id) => page.locator(`[data-testid=${list}] tr[data-appointment="${id}"]`);
  const expectState = async (page, list, id, state, label) => {
    const cell = row(page, list, id).locator('[data-testid=visit-state]');
    await cell.and(page.locator(`[data-state=${state}]`)).waitFor();
    assert.equal(await cell.locator('.mantine-Badge-root').innerText().then((s) => s.toLowerCase()), label.toLowerCase());
    assert.match(await cell.locator('[data-testid=visit-wait]').innerText(), /^waiting \d+ min$/);
  };

  // The receptionist: both patients checked in, no clinical step offered; the walk-in form
  // refuses Amina a second time and says why.
  const reception = await newPage(browser);
  const nurse = await newPage(browser);
  const doc = await newPage(browser);
  await scenario('visits-reception', reception, async () => {
    await loginUI(reception, chelal.url, DESK.username, DESK.password);
    await reception.goto(`${chelal.url}/appointments/queue`);
    await expectState(reception, 'queue', visit.id, 'checked_in', 'Checked in');
    await expectState(reception, 'queue', other.id, 'checked_in', 'Checked in');
    await reception.locator('[data-testid=queue-size]').getByText('Waiting: 2').waitFor();
    assert.equal(await reception.locator('[data-testid=queue] [data-testid^=queue-consult-], [data-testid=queue] [data-testid^=queue-vitals-]').count(), 0);

    await reception.locator('[data-testid=walk-in]').click();
    await reception.locator('[data-testid=walk-in-patient-input]').fill(amina.unique_id);
    await reception.locator(`[data-testid=walk-in-patient] [role=option][data-unique-id="${amina.unique_id}"]`).waitFor();
    await reception.locator('[data-testid=walk-in-patient-input]').press('Enter');
    await reception.locator('[data-testid=walk-in-form]').waitFor();
    await reception.locator('[data-testid=check-in-now]').click();
    await reception.getByRole('alert').getByText('This patient is already checked in with this doctor today.').waitFor();
    await reception.keyboard.press('Escape');
    assert.equal(await reception.locator('[data-testid=queue] tbody tr').count(), 2);
  });

  // The nurse takes Amina's vitals: every list says "Vitals taken".
  const enc = (await chelal.api('POST', `/api/v1/appointments/${visit.id}/encounter`, undefined, nurseApi)).json;
  await chelal.api('POST', `/api/v1/encounters/${enc.id}/vitals`, { temperature: 38.4, heart_rate: 96 }, nurseApi);
  await scenario('visits-nurse', nurse, async () => {
    await loginUI(nurse, chelal.url, NURSE.username, NURSE.password);
    await nurse.goto(`${chelal.url}/vitals`);
    await expectState(nurse, 'vitals-queue', visit.id, 'vitals_taken', 'Vitals taken');
    await expectState(nurse, 'vitals-queue', other.id, 'checked_in', 'Checked in');
    // the nurse's step is vitals, never the consultation
    await nurse.locator(`[data-testid=take-vitals-${other.id}]`).waitFor();
    assert.equal(await nurse.locator('[data-testid^=start-], [data-testid^=action-consult-]').count(), 0);
  });
  await reception.reload();
  await expectState(reception, 'queue', visit.id, 'vitals_taken', 'Vitals taken');

  // The doctor sees the same, then takes Amina: "With the doctor" everywhere, and the nurse is
  // no longer offered her vitals.
  await scenario('visits-doctor', doc, async () => {
    await loginUI(doc, chelal.url, DOCTOR.username, DOCTOR.password);
    await doc.goto(`${chelal.url}/consultations`);
    await expectState(doc, 'doctor-queue', visit.id, 'vitals_taken', 'Vitals taken');
    await doc.locator(`[data-testid=start-${visit.id}]`).click();
    await doc.waitForURL((u) => /^\/consultations\/\d+$/.test(u.pathname));
    await doc.goto(`${chelal.url}/consultations`);
    await expectState(doc, 'doctor-in-progress', visit.id, 'with_doctor', 'With the doctor');
    await doc.locator(`[data-testid=continue-${visit.id}]`).waitFor();
  });
  await nurse.reload();
  await expectState(nurse, 'vitals-in-progress', visit.id, 'with_doctor', 'With the doctor');
  assert.equal(await nurse.locator(`[data-testid=take-vitals-${visit.id}]`).count(), 0);
  await reception.reload();
  await expectState(reception, 'queue', visit.id, 'with_doctor', 'With the doctor');
  await reception.locator('[data-testid=queue-size]').getByText('Waiting: 1').waitFor();

  // The doctor prescribes and closes: "To the pharmacy" on the three lists.
  let e = (await chelal.api('GET', `/api/v1/encounters/${enc.id}`, undefined, doctorApi)).json;
  e = (await chelal.api('PATCH', `/api/v1/encounters/${enc.id}`, { version: e.version, notes: 'Fever two days; malaria test negative.' }, doctorApi)).json;
  await chelal.api('POST', `/api/v1/encounters/${enc.id}/prescriptions`, { medication_name: 'Paracetamol 500 mg', dosage: '2 tablets', frequency: 'three times a day', quantity: 18 }, doctorApi);
  await chelal.api('POST', `/api/v1/encounters/${enc.id}/close`, { version: e.version }, doctorApi);
  for (const [page, list] of [[reception, 'queue'], [nurse, 'vitals-after'], [doc, 'doctor-after']]) {
    await page.reload();
    await expectState(page, list, visit.id, 'to_pharmacy', 'To the pharmacy');
  }
  // nobody of the three may dispense: no step offered
  assert.equal(await reception.locator(`[data-testid=queue-dispense-${visit.id}]`).count(), 0);
});
