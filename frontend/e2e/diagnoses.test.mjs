// Coded diagnoses: the administrator sets the clinic's favourites; a doctor in a consultation
// codes the primary diagnosis with two keystrokes (Alt+D focuses the picker, 2 picks the second
// favourite), a secondary one by typing a code and Enter, and a search by words without accents
// and with a typo finds the French title; then, on a patient's chart, an old consultation whose
// diagnosis was free text only is shown uncoded and is coded from there (a closed consultation).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DOCTOR = { username: 'amani', password: 'daktari-salama-2', first_name: 'Amani', last_name: 'Mrisho' };

test('a doctor codes a diagnosis in two keystrokes from the favourites, and codes an old uncoded one from the chart', { timeout: 300_000 }, async () => {
  const { chelal, admin } = clinic;
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const doctor = (await api('POST', '/api/v1/users', { ...DOCTOR, email: 'amani@clinic.test', role_id: await chelal.roleId(admin, 'doctor') })).user;
  await api('PUT', '/api/v1/diagnosis-favourites', { codes: ['J06.9', 'B54', 'A09'] });
  const patient = await api('POST', '/api/v1/patients', { first_name: 'Neema', last_name: 'Lyimo', date_of_birth: '1979-06-01', gender: 'female', confirm_duplicate: true });
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  // an old consultation, closed, its diagnosis free text only
  const old = await api('POST', '/api/v1/encounters', { patient_id: patient.id, notes: 'Headaches, BP 165/100.', diagnosis: 'Hypertension' }, doc);
  await api('POST', `/api/v1/encounters/${old.id}/close`, { version: old.version }, doc);
  // today's visit
  const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, doc);
  const enc = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Fever for three days, RDT positive.' }, doc);
  const diagnoses = async (id) => (await api('GET', `/api/v1/encounters/${id}/diagnoses`, undefined, doc)).items;

  const page = await newPage(clinic.browser);
  await scenario('diagnoses', page, async () => {
    await loginUI(page, chelal.url, DOCTOR.username, DOCTOR.password);
    await page.goto(`${chelal.url}/consultations/${enc.id}`);
    const panel = page.locator('[data-testid=diagnoses-panel]');
    await panel.waitFor();
    // the favourites, numbered
    const favs = panel.locator('[data-testid=dx-favourites] [data-testid=dx-option]');
    await favs.nth(2).waitFor();
    assert.deepEqual(await favs.evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), ['J06.9', 'B54', 'A09']);

    // Two keystrokes: Alt+D, then 2 (the second favourite, B54), from wherever the focus is.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Alt+KeyD');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'dx-search');
    await page.keyboard.press('2');
    const row = panel.locator('[data-testid=diagnosis][data-code=B54]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-rank'), 'primary', 'the first diagnosis is primary');
    assert.equal(await row.getAttribute('data-episode'), 'new');
    let saved = await diagnoses(enc.id);
    assert.deepEqual(saved.map((d) => [d.code, d.rank, d.certainty, d.episode]), [['B54', 'primary', 'provisional', 'new']]);

    // A code typed, with a note beside it, then Enter: secondary.
    await panel.locator('[data-testid=dx-text]').fill('anaemia suspected');
    const search = panel.locator('[data-testid=dx-search]');
    await search.fill('d649');
    await panel.locator('[data-testid=dx-results] [data-testid=dx-option][data-code="D64.9"]').waitFor();
    await search.press('Enter');
    await panel.locator('[data-testid=diagnosis][data-code="D64.9"]').waitFor();
    saved = await diagnoses(enc.id);
    const d649 = saved.find((d) => d.code === 'D64.9');
    assert.equal(d649.rank, 'secondary');
    assert.equal(d649.text, 'anaemia suspected');

    // Words without accents and with a typo find the French title (the list's language).
    await search.fill('gastroenterite infectieuze');
    await panel.locator('[data-testid=dx-results] [data-testid=dx-option][data-code^="A0"]').first().waitFor();
    const hit = panel.locator('[data-testid=dx-results] [data-testid=dx-option]').first();
    assert.match(await hit.getAttribute('data-code'), /^A0[89]/, 'the best match first');
    await search.press('Escape');

    // the primary cannot be doubled: making D64.9 primary is refused, and said
    await panel.locator('[data-testid=diagnosis][data-code="D64.9"] [data-testid=dx-rank]').getByText('Primary').click();
    await page.getByText('already has a primary diagnosis').waitFor();

    // The chart: the old consultation is uncoded; code it.
    await page.goto(`${chelal.url}/patients/${patient.id}`);
    const chart = page.locator('[data-testid=patient-diagnoses]');
    const uncoded = chart.locator(`[data-testid=uncoded-diagnosis][data-encounter="${old.id}"]`);
    await uncoded.waitFor();
    assert.match(await uncoded.innerText(), /Hypertension/);
    await uncoded.locator('[data-testid=code-it]').click();
    const modal = page.locator('[data-testid=code-it-modal]');
    await modal.waitFor();
    // Enter at once, before the results came: it waits for them and picks the first
    await modal.locator('[data-testid=dx-search]').fill('hypertension essentielle');
    await modal.locator('[data-testid=dx-search]').press('Enter');
    await modal.waitFor({ state: 'detached' });
    await uncoded.waitFor({ state: 'detached' });
    const coded = await diagnoses(old.id);
    assert.deepEqual(coded.map((d) => [d.code, d.text, d.rank, d.certainty]), [['I10', 'Hypertension', 'primary', 'confirmed']]);
    // the consultation stays closed, its free text as it was
    const after = await api('GET', `/api/v1/encounters/${old.id}`, undefined, doc);
    assert.equal(after.status, 'closed');
    assert.equal(after.diagnosis, 'Hypertension');
    await chart.locator('[data-testid=diagnosis][data-code=I10]').waitFor();
    assert.deepEqual(page.jsErrors, [], 'no script errors and no CSP violations');
  });
  await page.context().close();
});
