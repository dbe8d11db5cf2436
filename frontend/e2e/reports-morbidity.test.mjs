// The monthly morbidity return from coded diagnoses entered through the diagnoses API
// (POST /api/v1/encounters/{id}/diagnoses, issue 19 part 1): a child and an adult with malaria
// (the adult's second visit a follow-up) and the adult's pneumonia are what the return counts,
// on screen, in its CSV and in its PDF. Needs the bundled ICD-10 list (B54, J18).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };

function yearsAgo(n) {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - n);
  return d.toISOString().slice(0, 10);
}

test('the month\'s morbidity return counts the coded diagnoses by age, sex and episode', { timeout: 300_000 }, async () => {
  const { chelal, admin } = clinic;
  const call = (method, path, body, session = admin) => chelal.api(method, path, body, session);
  const api = (...a) => call(...a).then((r) => r.json);
  const doctor = (await api('POST', '/api/v1/users', { ...DOCTOR, email: 'juma@clinic.test', role_id: await chelal.roleId(admin, 'doctor') })).user;
  const child = await api('POST', '/api/v1/patients', { first_name: 'Neema', last_name: 'Otieno', date_of_birth: yearsAgo(3), gender: 'female', confirm_duplicate: true });
  const adult = await api('POST', '/api/v1/patients', { first_name: 'Baraka', last_name: 'Mwakilema', date_of_birth: yearsAgo(40), gender: 'male', confirm_duplicate: true });

  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const see = async (patient, diagnoses) => {
    const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, doc);
    const enc = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Fever.' }, doc);
    for (const d of diagnoses) {
      const { res } = await call('POST', `/api/v1/encounters/${enc.id}/diagnoses`, d, doc);
      assert.ok(res.status === 201 || res.status === 200, `diagnosis ${d.code}: ${res.status}`);
    }
    const now = await api('GET', `/api/v1/encounters/${enc.id}`, undefined, doc);
    await api('POST', `/api/v1/encounters/${enc.id}/close`, { version: now.version }, doc);
  };
  // The server marks a code new for a patient who never had it, a follow-up after.
  await see(child, [{ code: 'B54', text: 'RDT positive', rank: 'primary', certainty: 'confirmed' }]);
  await see(adult, [{ code: 'B54', text: '', rank: 'primary', certainty: 'confirmed' }]);
  await see(adult, [
    { code: 'B54', text: 'review', rank: 'primary', certainty: 'confirmed' },
    { code: 'J18', text: 'crackles left base', rank: 'secondary', certainty: 'provisional' },
  ]);

  const page = await newPage(clinic.browser);
  await scenario('reports-morbidity', page, async () => {
    await loginUI(page, chelal.url, 'admin', 'amani-kwa-wote-2026');
    await page.locator('[data-testid=month-top-diagnoses]').getByText('B54').waitFor();
    await page.locator('[data-testid=main-nav] [data-area=reports]').click();
    await page.locator('[data-testid=report-tab-morbidity]').click();
    await page.locator('[data-testid=period-report][data-kind=morbidity]').waitFor();
    await page.locator('[data-testid=figure-diagnoses][data-value="4"]').waitFor();
    const figure = (k) => page.locator(`[data-testid=figure-${k}]`).getAttribute('data-value');
    assert.equal(await figure('new_cases'), '3');
    assert.equal(await figure('follow_ups'), '1');
    const cell = (row, col) => page.locator(`[data-testid=section-return] [data-row="${row}"] [data-col="${col}"]`).getAttribute('data-value');
    assert.equal(await cell('B54', 'total'), '3');
    assert.equal(await cell('B54', 'under5_female'), '1');
    assert.equal(await cell('B54', 'over5_male'), '2');
    assert.equal(await cell('B54', 'age_1-4'), '1');
    assert.equal(await cell('B54', 'age_25-49'), '2');
    assert.equal(await cell('B54', 'new'), '2');
    assert.equal(await cell('B54', 'follow_up'), '1');
    assert.equal(await cell('J18', 'total'), '1');
    assert.equal(await cell('J18', 'over5_male'), '1');
    assert.equal(await page.locator('[data-testid=section-top] [data-row]').first().getAttribute('data-row'), 'B54');

    const csv = await page.request.get(chelal.url + (await page.locator('[data-testid=report-csv]').getAttribute('href')));
    assert.equal(csv.status(), 200);
    const body = await csv.text();
    assert.match(body, /\nCoded diagnoses,4\n/);
    assert.match(body, /\nNew cases,3\n/);
    // total, <5 M F O, 5+ M F O, the six age groups, new, follow-ups
    // the first cell is "code title", quoted when the title has a comma (the bundled French titles do)
    assert.match(body, /\n(B54 [^,"\n]*|"B54 [^"\n]*"),3,0,1,0,2,0,0,0,1,0,0,2,0,2,1\n/);
    assert.match(body, /\n(J18 [^,"\n]*|"J18 [^"\n]*"),1,0,0,0,1,0,0,0,0,0,0,1,0,1,0\n/);
    const pdf = await page.request.get(chelal.url + (await page.locator('[data-testid=report-pdf]').getAttribute('href')));
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
    assert.deepEqual(page.jsErrors, []);
  });
});
