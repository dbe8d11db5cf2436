// Children are not small adults, and birth dates are not always known: a receptionist registers
// a girl whose birth date nobody knows by her age (7 years); her chart says "about 7 years".
// The nurse records only her temperature (nothing else is asked for), then her heart and
// respiratory rates of 105 and 24, normal at 7 (an adult's would be flagged): no false flag.
// The chart's trends show the readings, each with what was measured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const NURSE = { username: 'rehema', password: 'muuguzi-salama-1', first_name: 'Rehema', last_name: 'Juma' };
const DESK = { username: 'neema', password: 'mapokezi-salama-1', first_name: 'Neema', last_name: 'Otieno' };

test('register a child by age, a temperature alone, no false flag, "about 7 years"', { timeout: 240_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const user = async (role, u) => (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  await user('nurse', NURSE);
  await user('receptionist', DESK);
  const doctor = await user('doctor', { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' });

  // The desk: the birth date is unknown, the age is given.
  const desk = await newPage(browser);
  let patientId;
  await scenario('children-desk', desk, async () => {
    await loginUI(desk, chelal.url, DESK.username, DESK.password);
    await desk.goto(chelal.url + '/patients/new');
    const form = desk.locator('[data-testid=patient-register-form]');
    await form.locator('input[name=first_name]').fill('Zawadi');
    await form.locator('input[name=last_name]').fill('Ali');
    await form.locator('select[name=gender]').selectOption('female');
    await form.locator('input[name=birth_date_unknown]').check();
    assert.equal(await form.locator('input[name=date_of_birth]').count(), 0, 'the date gives way to the age');
    await form.locator('input[name=first_name]').press('Enter');
    await form.getByText('Give the age in years or in months.').waitFor(); // checked beside the field
    await form.locator('input[name=age_years]').fill('7');
    await form.locator('input[name=first_name]').press('Enter');
    const chart = desk.locator('[data-testid=patient-chart]');
    await chart.waitFor();
    patientId = Number(new URL(desk.url()).pathname.split('/').pop());
    assert.equal(await chart.locator('[data-testid=patient-age]').innerText(), 'about 7 years');
    assert.deepEqual(desk.jsErrors, [], 'no script errors and no CSP violations');
  });
  await desk.context().close();
  const patient = (await chelal.api('GET', `/api/v1/patients/${patientId}`, undefined, admin)).json;
  assert.equal(patient.birth_date_estimated, true);
  const visit = (await chelal.api('POST', '/api/v1/appointments', { patient_id: patientId, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, admin)).json;

  // The nurse: a temperature alone, then the rates; no flag for a 7-year-old.
  const nurse = await newPage(browser);
  await scenario('children-nurse', nurse, async () => {
    await loginUI(nurse, chelal.url, NURSE.username, NURSE.password);
    await nurse.locator('[data-testid=main-nav] [data-area=vitals]').click();
    await nurse.locator(`[data-testid=take-vitals-${visit.id}]`).click();
    await nurse.waitForURL((u) => /^\/vitals\/\d+$/.test(u.pathname));
    assert.equal(await nurse.locator('[data-testid=patient-banner] [data-testid=patient-age]').innerText(), 'about 7 years');
    const form = nurse.locator('[data-testid=vitals-form]');
    // nothing typed: one measure is asked for, nothing is sent
    await form.locator('[data-testid=vitals-submit]').click();
    await form.getByText('Record at least one measure.').waitFor();
    await form.locator('input[name=temperature]').fill('37,2');
    await form.locator('[data-testid=vitals-submit]').click();
    const saved = form.locator('[data-testid=vitals-saved]');
    await saved.locator('[data-testid=vitals-flags][data-count="0"]').waitFor();
    const rows = nurse.locator('[data-testid=vitals-table] tr[data-vitals]');
    await rows.first().waitFor();
    assert.equal(await rows.first().getAttribute('data-flags'), null);
    await rows.first().locator('[data-field=temperature]').getByText('37.2').waitFor();
    assert.equal(await rows.first().locator('[data-field=heart_rate]').innerText(), '—');

    await form.locator('input[name=heart_rate]').fill('105');
    await form.locator('input[name=respiratory_rate]').fill('24');
    await form.locator('[data-testid=vitals-submit]').click();
    await nurse.locator('[data-testid=vitals-table] tr[data-vitals]').nth(1).waitFor();
    await saved.locator('[data-testid=vitals-flags][data-count="0"]').waitFor();
    assert.equal(await nurse.locator('[data-testid=vitals-table] .vital-flag').count(), 0, 'no value flagged');
    assert.deepEqual(nurse.jsErrors, [], 'no script errors and no CSP violations');

    // The chart: "about 7 years", both readings in the history, each trend with its own readings.
    await nurse.goto(`${chelal.url}/patients/${patientId}`);
    const chart = nurse.locator('[data-testid=patient-chart]');
    assert.equal(await chart.locator('[data-testid=patient-age]').innerText(), 'about 7 years');
    const trends = nurse.locator('[data-testid=vitals-trends][data-readings="2"]');
    await trends.waitFor();
    await trends.locator('[data-testid=trend-temperature][data-points="1"] .recharts-surface').waitFor();
    await trends.locator('[data-testid=trend-heart_rate][data-points="1"]').waitFor();
    await trends.locator('[data-testid=trend-bp][data-points="0"]').waitFor();
    assert.equal(await trends.locator('[data-testid=vitals-history] .vital-flag').count(), 0);
    assert.deepEqual(nurse.jsErrors, [], 'no script errors and no CSP violations');
  });
  await nurse.context().close();
});
