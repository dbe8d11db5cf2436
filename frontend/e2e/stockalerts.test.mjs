// Stock alerts that fire when they should: a pharmacist receives a small batch that expires
// soon (under the reorder level, inside the expiry warning window): the bell rings at once with
// the low stock and the expiring batch, without waiting for the hourly check. After a dispense,
// the medication's ledger names the patient it went to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillDate, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const PHARMACIST = { username: 'zuhura', password: 'dawa-salama-2028', first_name: 'Zuhura', last_name: 'Said' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-4', first_name: 'Juma', last_name: 'Bakari' };

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

test('a batch received low and expiring soon notifies at once; the ledger names the patient', { timeout: 240_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const api = async (method, path, body, session = admin) => (await chelal.api(method, path, body, session)).json;
  const user = async (role, u) => (await api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) })).user;
  await user('pharmacist', PHARMACIST);
  const doctor = await user('doctor', DOCTOR);
  const category = await api('POST', '/api/v1/medication-categories', { name: 'Antimalarials' });
  const med = await api('POST', '/api/v1/medications', {
    name: 'Artemether', category_id: category.id, strength: '20 mg', form: 'tablet', unit_price: '3.00', reorder_level: 10,
  });
  const patient = await api('POST', '/api/v1/patients', {
    first_name: 'Mwanaisha', last_name: 'Hamisi', date_of_birth: '1992-03-09', gender: 'female', confirm_duplicate: true,
  });

  const page = await newPage(browser);
  await scenario('stockalerts', page, async () => {
    await loginUI(page, chelal.url, PHARMACIST.username, PHARMACIST.password);
    await page.locator('[data-testid=main-nav] [data-area=pharmacy]').click();
    const row = page.locator('[data-testid=stock-table] tr[data-medication=Artemether]');
    await row.locator('[data-testid=receive]').click();
    const form = page.locator('[data-testid=receive-form]');
    await form.locator('input[name=batch_number]').fill('ART-SOON');
    await fillDate(form.locator('[data-date=expiry_date]'), iso(new Date(Date.now() + 10 * 86_400_000)));
    await form.locator('input[name=quantity]').fill('6'); // under the reorder level of 10
    await form.locator('input[name=unit_cost]').fill('1.50');
    await page.locator('[data-testid=receive-submit]').click();
    await form.waitFor({ state: 'detached' });

    // The bell rings now: low stock and the batch expiring soon.
    await page.locator('[data-testid=notification-badge][data-count="2"]').waitFor();
    await page.locator('[data-testid=notification-bell]').click();
    const panel = page.locator('[data-testid=notification-panel]');
    await panel.locator('[data-testid=notification][data-type=low_stock]').getByText('Low stock: Artemether').waitFor();
    await panel.locator('[data-testid=notification][data-type=expiry]').getByText('Expiring soon: Artemether').waitFor();
    await page.keyboard.press('Escape');

    // A prescription dispensed; the ledger shows whom it went to.
    const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
    const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, doc);
    const encounter = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Malaria' }, doc);
    const rx = await api('POST', `/api/v1/encounters/${encounter.id}/prescriptions`, {
      medication_id: med.id, dosage: '20 mg', frequency: 'twice a day', duration: '3 days', quantity: 2,
    }, doc);
    const pha = await chelal.login(PHARMACIST.username, PHARMACIST.password);
    await api('POST', `/api/v1/prescriptions/${rx.id}/dispense`, { quantity: 2 }, pha);

    await page.goto(`${chelal.url}/pharmacy/medications/${med.id}`);
    const ledger = page.locator('[data-testid=ledger]');
    const dispensed = ledger.locator('tr[data-kind=dispense] [data-testid=ledger-patient]');
    await dispensed.getByText('Mwanaisha Hamisi', { exact: false }).waitFor();
    assert.match(await dispensed.innerText(), new RegExp(`Mwanaisha Hamisi \\(${patient.unique_id}\\)`));
    assert.equal(await dispensed.locator('a').getAttribute('href'), `/patients/${patient.id}`);
    assert.equal((await ledger.locator('tr[data-kind=receive] [data-testid=ledger-patient]').innerText()).trim(), '');
    assert.deepEqual(page.jsErrors, []);
  });
});
