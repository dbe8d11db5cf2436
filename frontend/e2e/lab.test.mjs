// The laboratory end to end: the doctor orders a malaria RDT and a haemoglobin from the open
// consultation -> the lab collects the specimen and enters a negative RDT and a low
// haemoglobin -> the doctor's consultation shows the haemoglobin flagged low (also in French)
// and the hand-over notification arrives -> the cashier's bill has both lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DOCTOR = { username: 'wanjiru', password: 'daktari-maabara-1' };
const TECH = { username: 'baraka', password: 'maabara-salama-2' };
const CASHIER = { username: 'zuhura', password: 'pesa-salama-3' };

async function setupClinic() {
  const { chelal, admin } = clinic;
  const user = async (role, u, first, last) =>
    (await chelal.api('POST', '/api/v1/users', { ...u, first_name: first, last_name: last, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin))
      .json.user;
  const doctor = await user('doctor', DOCTOR, 'Wanjiru', 'Kamau');
  await user('lab', TECH, 'Baraka', 'Otieno');
  await user('cashier', CASHIER, 'Zuhura', 'Ali');
  const patient = (
    await chelal.api('POST', '/api/v1/patients', {
      first_name: 'Rehema', last_name: 'Njeri', date_of_birth: '1992-07-14', gender: 'female', known_allergies: 'Sulfa drugs', confirm_duplicate: true,
    }, admin)
  ).json;
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const visit = (await chelal.api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever, tired' }, doc)).json;
  const encounter = (await chelal.api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Private consultation notes: fatigue for 2 weeks' }, doc)).json;
  return { patient, encounter };
}

test('doctor orders, lab enters a low haemoglobin, the doctor sees it flagged, the cashier bills it', { timeout: 300_000 }, async () => {
  const { patient, encounter } = await setupClinic();
  const { chelal } = clinic;

  const doctor = await newPage(clinic.browser);
  await scenario('lab-doctor-orders', doctor, async () => {
    await loginUI(doctor, chelal.url, DOCTOR.username, DOCTOR.password);
    await doctor.goto(`${chelal.url}/consultations/${encounter.id}`);
    const panel = doctor.locator('[data-testid=lab-panel]');
    await panel.waitFor();
    await panel.locator('[data-testid=lab-tests]').click();
    await doctor.getByRole('option', { name: 'Malaria rapid test (MRDT)' }).click();
    await doctor.getByRole('option', { name: 'Haemoglobin (HB)' }).click();
    await doctor.keyboard.press('Escape');
    await panel.locator('[data-testid=lab-urgency]').getByText('Urgent').click();
    await panel.locator('[data-testid=lab-note]').fill('Fever 3 days, pale conjunctivae');
    await panel.locator('[data-testid=lab-order]').click();
    const card = panel.locator('[data-testid=lab-order-card]');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), 'ordered');
    assert.equal(await card.locator('[data-testid=lab-result]').count(), 2);
  });

  const lab = await newPage(clinic.browser);
  await scenario('lab-technician', lab, async () => {
    await loginUI(lab, chelal.url, TECH.username, TECH.password);
    await lab.locator('[data-testid=main-nav] [data-area=lab]').click();
    const order = lab.locator('[data-testid=worklist-order]');
    await order.waitFor();
    // The lab sees the order's note and the allergies, never the consultation's notes.
    assert.match(await order.innerText(), /Fever 3 days, pale conjunctivae/);
    assert.match(await order.locator('[data-testid=lab-allergies]').innerText(), /Sulfa drugs/);
    assert.doesNotMatch(await lab.locator('body').innerText(), /Private consultation notes/);
    // The specimen label prints as a PDF.
    const label = await lab.request.get(`${chelal.url}/api/v1/lab/orders/${await order.getAttribute('data-order')}/label.pdf`);
    assert.equal(label.status(), 200);
    assert.equal(label.headers()['content-type'], 'application/pdf');

    await order.locator('[data-testid=lab-collect]').click();
    await lab.locator('[data-testid=worklist-order][data-status=collected]').waitFor();
    const rdt = lab.locator('[data-testid=lab-entry][data-test=MRDT]');
    await rdt.locator('[data-testid=lab-choice]').click();
    await lab.getByRole('option', { name: 'Negative' }).click();
    await rdt.locator('[data-testid=lab-save]').click();
    await lab.locator('[data-testid=lab-entry][data-test=MRDT][data-status=final]').waitFor();
    const hb = lab.locator('[data-testid=lab-entry][data-test=HB]');
    await hb.locator('[data-testid=lab-value]').fill('8.4');
    await hb.locator('[data-testid=lab-save]').click();
    // Every result final: the order leaves the worklist.
    await lab.locator('[data-testid=worklist-order]').waitFor({ state: 'detached' });
  });

  await scenario('lab-doctor-sees-results', doctor, async () => {
    const hb = doctor.locator('[data-testid=lab-result][data-test=HB]');
    await doctor.locator('[data-testid=lab-result][data-test=HB][data-flag=low]').waitFor({ timeout: 20_000 });
    assert.match(await hb.innerText(), /8\.4 g\/dL/);
    assert.match(await hb.innerText(), /12-15\.5 g\/dL/);
    assert.equal(await doctor.locator('[data-testid=lab-result][data-test=MRDT]').getAttribute('data-flag'), '');
    // The hand-over notification arrived.
    await doctor.locator('[data-testid=notification-bell]').click();
    const note = doctor.locator('[data-testid=notification-panel] [data-testid=notification][data-type=handover_lab]');
    await note.waitFor();
    assert.match(await note.innerText(), /Lab results ready: Rehema Njeri/);
    await doctor.keyboard.press('Escape');

    // In French: the flag and the headings.
    await doctor.locator('[data-testid=language-menu]').click();
    await doctor.locator('[data-language=fr]').click();
    await doctor.waitForFunction(() => document.documentElement.lang === 'fr');
    await doctor.locator('[data-testid=lab-panel]').getByText('Laboratoire').first().waitFor();
    assert.equal(await hb.locator('[data-testid=lab-flag]').textContent(), 'Bas');
    assert.match(await doctor.locator('[data-testid=lab-order-card]').innerText(), /Résultats disponibles/i);
    // The report prints in French.
    const id = (await chelal.api('GET', `/api/v1/encounters/${encounter.id}/lab-orders`, undefined, await chelal.login(DOCTOR.username, DOCTOR.password))).json.items[0].id;
    const pdf = await doctor.request.get(`${chelal.url}/api/v1/lab/orders/${id}/report.pdf?lang=fr`);
    assert.equal(pdf.status(), 200);
  });

  const cashierSession = await chelal.login(CASHIER.username, CASHIER.password);
  const bills = (await chelal.api('GET', `/api/v1/bills?patient_id=${patient.id}`, undefined, cashierSession)).json.items;
  assert.equal(bills.length, 1);
  const bill = (await chelal.api('GET', `/api/v1/bills/${bills[0].id}`, undefined, cashierSession)).json;
  assert.deepEqual(bill.items.map((i) => [i.service_code, i.total_price]).sort(), [['LAB-HB', '250.00'], ['LAB-MRDT', '300.00']]);

  const cashier = await newPage(clinic.browser);
  await scenario('lab-cashier', cashier, async () => {
    await loginUI(cashier, chelal.url, CASHIER.username, CASHIER.password);
    await cashier.goto(`${chelal.url}/billing/${bill.id}`);
    const items = cashier.locator('[data-testid=bill-items]');
    await items.waitFor();
    assert.match(await items.innerText(), /Haemoglobin/);
    assert.match(await items.innerText(), /Malaria rapid diagnostic test/);
    assert.equal(await cashier.locator('[data-testid=bill-balance]').getAttribute('data-amount'), '550.00');
  });
});
