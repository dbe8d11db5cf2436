// A wrong prescription found after the consultation is closed (issue 13, item 1): its doctor,
// in French, corrects it in one act: the allergy check runs on the corrected one (a penicillin
// allergy, confirmed with a reason), the old one is discontinued with the reason, the new one
// is listed and goes to the pharmacy, and an addendum on the closed consultation says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DOCTOR = { username: 'amani', password: 'daktari-salama-7', first_name: 'Amani', last_name: 'Kitwana', language_preference: 'fr' };

test('the doctor corrects a prescription of a closed consultation; the allergy check runs; an addendum records it', { timeout: 240_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const api = async (method, path, body, session = admin) => (await chelal.api(method, path, body, session)).json;
  const doctor = (await api('POST', '/api/v1/users', { ...DOCTOR, email: 'amani@clinic.test', role_id: await chelal.roleId(admin, 'doctor') })).user;
  const patient = await api('POST', '/api/v1/patients', { first_name: 'Rehema', last_name: 'Mushi', date_of_birth: '1980-06-01', gender: 'female', known_allergies: 'Pénicilline', confirm_duplicate: true });
  const penicillins = await api('POST', '/api/v1/medication-categories', { name: 'Penicillins' });
  await api('POST', '/api/v1/medications', { name: 'Amoxicillin', category_id: penicillins.id, strength: '500 mg', form: 'capsule', unit_price: '2.00' });
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Otite' }, doc);
  const encounter = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Otite moyenne aiguë' }, doc);
  const wrong = await api('POST', `/api/v1/encounters/${encounter.id}/prescriptions`, { medication_name: 'Paracétamol 500 mg', dosage: '1 g', frequency: 'qds', quantity: 12 }, doc);
  const e = await api('GET', `/api/v1/encounters/${encounter.id}`, undefined, doc);
  await api('POST', `/api/v1/encounters/${encounter.id}/close`, { version: e.version }, doc);

  const page = await newPage(browser, { locale: 'fr-FR' });
  await scenario('rxcorrect', page, async () => {
    await loginUI(page, chelal.url, DOCTOR.username, DOCTOR.password);
    await page.goto(`${chelal.url}/consultations/${encounter.id}`);
    const row = page.locator(`[data-testid=prescription-list] tr[data-prescription="${wrong.id}"]`);
    await row.locator('[data-testid=correct]').click();
    const form = page.locator('[data-testid=correct-form]');
    await form.locator('input[name=medication_name]').fill('Amoxicilline 500 mg');
    await form.locator('input[name=dosage]').fill('500 mg');
    await page.locator('[data-testid=correct-submit]').click();
    await form.getByText('Ce champ est obligatoire.').waitFor(); // the reason, in French
    await form.locator('textarea[name=reason]').fill("Erreur de médicament : c'est l'antibiotique");
    await page.locator('[data-testid=correct-submit]').click();
    // the corrected one is checked against the allergy: nothing changed until confirmed
    await form.locator('[data-testid=correct-allergy]').waitFor();
    assert.equal(await row.getAttribute('data-status'), 'active');
    await form.locator('textarea[name=allergy_override_reason]').fill('Tolérée en 2024, vérifié avec la patiente');
    await page.locator('[data-testid=correct-allergy-confirm]').click();
    await form.waitFor({ state: 'detached' });

    await page.locator(`[data-testid=prescription-list] tr[data-prescription="${wrong.id}"][data-status=discontinued]`).waitFor();
    const rows = page.locator('[data-testid=prescription-list] tbody tr');
    await rows.nth(1).getByText('Amoxicilline 500 mg').waitFor();
    assert.equal(await rows.nth(1).getAttribute('data-status'), 'active');
    await page.locator('[data-testid=addenda]').getByText("Erreur de médicament : c'est l'antibiotique", { exact: false }).waitFor();
    assert.deepEqual(page.jsErrors, []);
  });
  const queue = await api('GET', '/api/v1/pharmacy/queue');
  assert.deepEqual(queue.items.map((q) => q.medication_name), ['Amoxicilline 500 mg']);
  assert.match(queue.items[0].allergy_override_reason, /Tolérée en 2024/);
  await page.context().close();
});
