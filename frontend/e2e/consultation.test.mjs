// The consultation: a nurse takes a checked-in patient's vital signs (a value no living person
// has is refused beside its field; a high pressure is saved and flagged), the doctor takes the
// patient from their queue, writes notes and a diagnosis (autosaved; a reload loses nothing),
// prescribes a penicillin to a patient allergic to penicillin (the warning, a reason required),
// closes the consultation, adds an addendum and prints the prescription; the appointment is
// completed and the patient's chart shows the reading in its trend charts and table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const NURSE = { username: 'rehema', password: 'muuguzi-salama-1', first_name: 'Rehema', last_name: 'Juma' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };

async function fixtures() {
  const { chelal, admin } = clinic;
  const user = async (role, u) => (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  await user('nurse', NURSE);
  const doctor = await user('doctor', DOCTOR);
  const patient = (
    await chelal.api('POST', '/api/v1/patients', {
      first_name: 'Halima', last_name: 'Said', date_of_birth: '1984-03-09', gender: 'female', contact_info: '0744 000 111', address: 'Tanga',
      known_allergies: 'Penicillin (anaphylaxis)', confirm_duplicate: false,
    }, admin)
  ).json;
  // a walk-in is checked in at once
  const visit = (await chelal.api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, admin)).json;
  assert.equal(visit.status, 'checked_in');
  return { doctor, patient, visit };
}

test('vitals by the nurse, consultation, allergy warning, close, print, trend', { timeout: 300_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const { patient, visit } = await fixtures();
  const appointment = async () => (await chelal.api('GET', `/api/v1/appointments/${visit.id}`, undefined, admin)).json;

  // The nurse: today's checked-in patients, the vitals form, a refused value, a flagged reading.
  const nurse = await newPage(browser);
  await scenario('consultation-nurse', nurse, async () => {
    await loginUI(nurse, chelal.url, NURSE.username, NURSE.password);
    await nurse.locator('[data-testid=main-nav] [data-area=vitals]').click();
    await nurse.locator(`[data-testid=vitals-queue] tr[data-appointment="${visit.id}"]`).waitFor();
    await nurse.locator(`[data-testid=take-vitals-${visit.id}]`).click();
    await nurse.waitForURL((u) => /^\/vitals\/\d+$/.test(u.pathname));
    assert.match(await nurse.locator('[data-testid=allergies]').innerText(), /Penicillin/);
    const form = nurse.locator('[data-testid=vitals-form]');
    // the labels say the clinic's units
    await form.getByLabel('Temperature (°C)').waitFor();
    await form.getByLabel('Weight (kg)').waitFor();
    const fill = async (values) => {
      for (const [name, v] of Object.entries(values)) await form.locator(`input[name=${name}]`).fill(v);
    };
    await fill({ systolic_bp: '400', diastolic_bp: '80', heart_rate: '88', respiratory_rate: '18', temperature: '36,9', oxygen_saturation: '97', height: '162', weight: '58' });
    await form.locator('[data-testid=vitals-submit]').click();
    // refused by the server, said beside the field, nothing lost
    await form.getByText('Must be between 50 and 300 mmHg.').waitFor();
    assert.equal(await form.locator('input[name=systolic_bp]').getAttribute('aria-invalid'), 'true');
    assert.equal(await form.locator('input[name=weight]').inputValue(), '58');
    await fill({ systolic_bp: '152' });
    await form.locator('input[name=systolic_bp]').press('Enter');
    const saved = form.locator('[data-testid=vitals-saved]');
    await saved.waitFor();
    await saved.locator('[data-flag-field=systolic_bp]').waitFor(); // above the normal adult range
    assert.match(await saved.innerText(), /BMI: 22.1/); // 58 / 1.62², by the server
    const row = nurse.locator('[data-testid=vitals-table] tr[data-vitals]');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await row.first().getAttribute('data-flags'), 'systolic_bp');
    await row.first().locator('[data-field=temperature]').getByText('36.9').waitFor();
    assert.equal((await appointment()).status, 'checked_in', 'the triage leaves the visit waiting for the doctor');
    assert.deepEqual(nurse.jsErrors, [], 'no script errors and no CSP violations');
  });
  await nurse.context().close();

  // The doctor: the queue, the consultation, notes and diagnosis autosaved.
  const page = await newPage(browser);
  let encounterId;
  await scenario('consultation-doctor', page, async () => {
    await loginUI(page, chelal.url, DOCTOR.username, DOCTOR.password);
    await page.locator('[data-testid=main-nav] [data-area=consultations]').click();
    await page.locator(`[data-testid=doctor-queue] tr[data-appointment="${visit.id}"]`).waitFor();
    await page.locator(`[data-testid=start-${visit.id}]`).click();
    await page.waitForURL((u) => /^\/consultations\/\d+$/.test(u.pathname));
    encounterId = Number(new URL(page.url()).pathname.split('/').pop());
    const consultation = page.locator('[data-testid=consultation][data-status=open]');
    await consultation.waitFor();
    assert.match(await page.locator('[data-testid=allergies]').innerText(), /Penicillin \(anaphylaxis\)/);
    assert.equal((await appointment()).status, 'in_progress');
    // the nurse's reading, flagged
    await page.locator('[data-testid=encounter-vitals] tr[data-vitals][data-flags=systolic_bp] .vital-flag[data-flag=high]').waitFor();

    // Typed, then a reload before the autosave: the draft puts it back, then it is saved.
    const notes = page.locator('textarea[name=notes]');
    await notes.fill('Fever for 3 days, headache, no cough.');
    await page.waitForTimeout(300);
    await page.reload();
    await page.locator('[data-testid=draft-restored]').waitFor();
    assert.equal(await notes.inputValue(), 'Fever for 3 days, headache, no cough.');
    await page.locator('textarea[name=diagnosis]').fill('Tonsillitis');
    await page.locator('[data-testid=autosave-state][data-state=saved]').waitFor({ timeout: 20_000 });
    const enc = (await chelal.api('GET', `/api/v1/encounters/${encounterId}`, undefined, admin)).json;
    assert.equal(enc.notes, 'Fever for 3 days, headache, no cough.');
    assert.equal(enc.diagnosis, 'Tonsillitis');

    // Saved meanwhile from another computer: the next autosave is refused as stale, both
    // versions are shown, and the doctor keeps theirs, which is then saved on top.
    const elsewhere = await chelal.login(DOCTOR.username, DOCTOR.password);
    await chelal.api('PATCH', `/api/v1/encounters/${encounterId}`, { version: enc.version, diagnosis: 'Tonsillitis (other desk)' }, elsewhere);
    await page.locator('textarea[name=diagnosis]').fill('Acute tonsillitis');
    const conflict = page.locator('[data-testid=notes-conflict]');
    await conflict.waitFor({ timeout: 20_000 });
    assert.match(await conflict.locator('tr[data-field=diagnosis]').innerText(), /Acute tonsillitis[\s\S]*Tonsillitis \(other desk\)/);
    await conflict.locator('[data-testid=keep-mine]').click();
    await page.locator('[data-testid=autosave-state][data-state=saved]').waitFor({ timeout: 20_000 });
    assert.equal((await chelal.api('GET', `/api/v1/encounters/${encounterId}`, undefined, admin)).json.diagnosis, 'Acute tonsillitis');

    // Prescribe a penicillin: the warning, a reason required, then recorded.
    const rx = page.locator('[data-testid=prescribe-form]');
    await rx.locator('input[name=medication_name]').fill('Phenoxymethylpenicillin');
    await rx.locator('input[name=dosage]').fill('250 mg');
    await rx.locator('input[name=frequency]').fill('four times a day');
    await rx.locator('input[name=duration]').fill('10 days');
    await rx.locator('input[name=quantity]').fill('40');
    await rx.locator('textarea[name=instructions]').fill('One hour before food');
    await rx.locator('[data-testid=prescribe-submit]').click();
    const warning = page.locator('[data-testid=allergy-warning]');
    await warning.waitFor();
    assert.match(await warning.locator('[data-testid=allergy-warnings]').innerText(), /penicillin/i);
    await warning.locator('[data-testid=allergy-confirm]').click();
    await warning.getByText('Say why you prescribe it despite the allergy.').waitFor();
    await warning.locator('textarea[name=allergy_override_reason]').fill('Mild rash only in childhood; no alternative in stock');
    await warning.locator('[data-testid=allergy-confirm]').click();
    await warning.waitFor({ state: 'detached' });
    const item = page.locator('[data-testid=prescription-list] tr[data-prescription]');
    await item.first().waitFor();
    assert.match(await item.first().innerText(), /Phenoxymethylpenicillin/);
    await item.first().locator('[data-testid=allergy-override]').getByText(/no alternative in stock/).waitFor();
    assert.equal(await item.first().getAttribute('data-free-text'), 'true');
    const stored = (await chelal.api('GET', `/api/v1/encounters/${encounterId}/prescriptions`, undefined, admin)).json.items;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].allergy_override_reason, 'Mild rash only in childhood; no alternative in stock');

    // Close for good: read-only, the appointment completed, an addendum can still be added.
    await page.locator('[data-testid=close-encounter]').click();
    await page.locator('[data-testid=confirm-close]').click();
    await page.locator('[data-testid=consultation][data-status=closed]').waitFor();
    assert.equal(await page.locator('textarea[name=notes]').count(), 0);
    assert.equal(await page.locator('[data-testid=notes-text]').innerText(), 'Fever for 3 days, headache, no cough.');
    assert.equal((await appointment()).status, 'completed');
    const addendum = page.locator('[data-testid=addendum-form]');
    await addendum.locator('textarea[name=text]').fill('Throat swab: group A streptococcus.');
    await addendum.locator('[data-testid=addendum-submit]').click();
    await page.locator('[data-testid=addenda] [data-addendum]').getByText('Throat swab: group A streptococcus.').waitFor();
    assert.equal(await page.locator('[data-testid=notes-text]').innerText(), 'Fever for 3 days, headache, no cough.', 'the original notes stay');

    // The printable prescription: on paper only the sheet.
    await page.locator('[data-testid=print-prescription]').click();
    const sheet = page.locator('[data-testid=prescription-sheet]');
    await sheet.waitFor();
    const text = await sheet.innerText();
    for (const want of ['Halima Said', patient.unique_id, 'Juma Kariuki', 'Phenoxymethylpenicillin', '250 mg', 'four times a day', '10 days', '40', 'One hour before food']) {
      assert.ok(text.includes(want), `the prescription shows ${want}`);
    }
    await sheet.locator('[data-testid=signature-line]').waitFor();
    assert.equal(await page.locator('[data-testid=prescription-pdf]').getAttribute('href'), `/api/v1/encounters/${encounterId}/prescription.pdf`);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await sheet.isVisible(), true);
    assert.equal(await page.locator('[data-testid=main-nav]').isVisible(), false);
    assert.equal(await page.locator('[data-testid=print-now]').isVisible(), false);
    await page.emulateMedia({ media: 'screen' });

    // The queue is empty again; the chart: the appointment completed, the reading in the trends.
    await page.locator('[data-testid=main-nav] [data-area=consultations]').click();
    await page.locator('[data-testid=doctor-queue-size]').getByText('Waiting: 0').waitFor();
    await page.goto(`${chelal.url}/patients/${patient.id}`);
    await page.locator(`[data-testid=patient-appointments] [data-appointment="${visit.id}"] [data-status=completed]`).waitFor();
    const trends = page.locator('[data-testid=vitals-trends][data-readings="1"]');
    await trends.waitFor();
    await trends.locator('[data-testid=trend-bp][data-points="1"] .recharts-surface').waitFor();
    await trends.locator('[data-testid=trend-bmi][data-points="1"]').waitFor();
    const history = trends.locator('[data-testid=vitals-history] tr[data-vitals]');
    assert.equal(await history.count(), 1);
    assert.match(await history.first().locator('[data-field=bp]').innerText(), /152\s*\/\s*80/);
    const timeline = page.locator('[data-testid=timeline]');
    for (const kind of ['encounter', 'vitals', 'prescription']) await timeline.locator(`[data-kind=${kind}]`).first().waitFor();
    assert.match(await timeline.locator('[data-kind=encounter]').innerText(), /Acute tonsillitis/);

    assert.deepEqual(page.jsErrors, [], 'no script errors and no CSP violations');
  });
  await page.context().close();
});
