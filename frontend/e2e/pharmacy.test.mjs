// The pharmacy's day: a pharmacist receives a batch of a medication that was out of stock,
// finds a prescription in the dispensing queue with its allergy warning, dispenses it, sees the
// stock fall in the list and in the medication's ledger, and a low-stock alert appear; then
// takes one unit back from the patient and sees the stock rise by one.
//
// The prescription comes from the clinic's real flow, through the API: the doctor books the
// patient as a walk-in, starts the consultation from that visit and prescribes (the allergy
// warning is refused until confirmed with a reason).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fillDate, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const PHARMACIST = { username: 'baraka', password: 'dawa-salama-2026' };
const DOCTOR = { username: 'imani', password: 'daktari-salama-3' };
let medicationId;

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** sql reads the embedded PostgreSQL of the clinic's server (psql, loopback), for the final checks. */
function sql(statement) {
  const pg = join(clinic.chelal.dataDir, 'pg');
  const password = readFileSync(join(pg, 'password'), 'utf8').trim();
  const port = readFileSync(join(pg, 'data', 'postmaster.pid'), 'utf8').split('\n')[3].trim();
  return execFileSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', port, '-U', 'chelal', '-d', 'chelal', '-c', statement], {
    env: { PATH: '/usr/bin:/bin', PGPASSWORD: password },
    encoding: 'utf8',
  }).trim();
}

/** setupClinic adds the staff, a patient allergic to penicillin, an out-of-stock penicillin, and the doctor's visit and prescription. */
async function setupClinic() {
  const { chelal, admin } = clinic;
  const user = async (role, u) =>
    (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  await user('pharmacist', { ...PHARMACIST, first_name: 'Baraka', last_name: 'Mushi' });
  const doctor = await user('doctor', { ...DOCTOR, first_name: 'Imani', last_name: 'Kileo' });
  const patient = (
    await chelal.api('POST', '/api/v1/patients', {
      first_name: 'Rehema', last_name: 'Ally', date_of_birth: '1985-07-14', gender: 'female', known_allergies: 'Penicillin (rash)', confirm_duplicate: true,
    }, admin)
  ).json;
  const category = (await chelal.api('POST', '/api/v1/medication-categories', { name: 'Penicillins' }, admin)).json;
  const med = await chelal.api('POST', '/api/v1/medications', {
    name: 'Amoxicillin', category_id: category.id, strength: '500 mg', form: 'capsule', unit_price: '12.50', reorder_level: 5,
  }, admin);
  assert.equal(med.res.status, 201);
  medicationId = med.json.id;

  // The doctor: a walk-in visit (checked in at once), the consultation, the prescription.
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const visit = (await chelal.api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Cough' }, doc)).json;
  assert.equal(visit.status, 'checked_in');
  const encounter = (await chelal.api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Chest infection' }, doc)).json;
  const rx = { medication_id: medicationId, dosage: '500 mg', frequency: 'three times a day', duration: '5 days', quantity: 8 };
  const path = `/api/v1/encounters/${encounter.id}/prescriptions`;
  await assert.rejects(chelal.api('POST', path, rx, doc), /409 .*allergy-warning/);
  const written = await chelal.api('POST', path, { ...rx, confirm_allergy: true, allergy_override_reason: 'Rash only; no alternative in stock' }, doc);
  assert.equal(written.res.status, 201);
  assert.match(written.json.allergy_warning, /penicillin/);
}

test('receive a batch, dispense a prescription, stock falls, low-stock alert', { timeout: 240_000 }, async () => {
  await setupClinic();
  const page = await newPage(clinic.browser);
  await scenario('pharmacy', page, async () => {
    const { chelal } = clinic;
    await loginUI(page, chelal.url, PHARMACIST.username, PHARMACIST.password);
    await page.locator('[data-testid=main-nav] [data-area=pharmacy]').click();
    const row = page.locator('[data-testid=stock-table] tr[data-medication=Amoxicillin]');
    await row.locator('[data-flag=low]').waitFor(); // nothing in stock yet
    assert.equal(await row.locator('[data-testid=available]').innerText(), '0');

    // Receive a batch: a past expiry is refused beside its field, then the right one goes in.
    await row.locator('[data-testid=receive]').click();
    const form = page.locator('[data-testid=receive-form]');
    await form.locator('input[name=batch_number]').fill('AMX-2026-07');
    const yesterday = new Date(Date.now() - 86_400_000);
    await fillDate(form.locator('[data-date=expiry_date]'), iso(yesterday));
    await form.locator('input[name=quantity]').fill('10');
    await form.locator('input[name=unit_cost]').fill('4.205');
    await page.locator('[data-testid=receive-submit]').click();
    await form.getByText('This batch has already expired; do not receive it.').waitFor();
    await form.getByText('At most two decimals.').waitFor();
    const nextYear = new Date();
    nextYear.setFullYear(nextYear.getFullYear() + 1);
    await fillDate(form.locator('[data-date=expiry_date]'), iso(nextYear));
    await form.locator('input[name=unit_cost]').fill('4.20');
    await page.locator('[data-testid=receive-submit]').click();
    await form.waitFor({ state: 'detached' });
    await row.locator('[data-testid=available]').getByText('10', { exact: true }).waitFor();
    assert.equal(await row.locator('[data-flag=low]').count(), 0);

    // The dispensing queue, with the allergy warning carried over.
    await page.locator('[data-testid=main-nav] [data-area=prescriptions]').click();
    const queue = page.locator('[data-testid=dispense-queue]');
    const entry = queue.locator('tr[data-prescription]');
    await entry.waitFor();
    assert.match(await entry.locator('[data-testid=allergy-warning]').innerText(), /allergic to "penicillin"/);
    assert.match(await entry.locator('[data-testid=allergies]').innerText(), /penicillin \(rash\)/i);
    await entry.locator('[data-testid=dispense]').click();
    const dispense = page.locator('[data-testid=dispense-form]');
    await dispense.locator('[data-testid=dispense-allergy]').waitFor();
    assert.equal(await dispense.locator('input[name=quantity]').inputValue(), '8');
    await page.locator('[data-testid=dispense-submit]').click();
    await dispense.waitFor({ state: 'detached' });
    await queue.getByText('No prescription is waiting.').waitFor();

    // The stock fell to 2, under the reorder level of 5: flagged and alerted.
    await page.locator('[data-testid=main-nav] [data-area=pharmacy]').click();
    await row.locator('[data-testid=available]').getByText('2', { exact: true }).waitFor();
    await row.locator('[data-flag=low]').waitFor();
    await page.locator('[data-testid=tab-alerts]').click();
    await page.locator('[data-testid=low-stock] tr[data-medication=Amoxicillin]').getByText('2 in date, reorder level 5').waitFor();

    // The ledger: received 10, dispensed 8, balance 2.
    await page.goto(`${chelal.url}/pharmacy/medications/${medicationId}`);
    const ledger = page.locator('[data-testid=ledger]');
    await ledger.locator('tr[data-kind=dispense]').waitFor();
    assert.deepEqual(
      await ledger.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-kind'), r.children[2].textContent, r.children[3].textContent])),
      [
        ['dispense', '-8', '2'],
        ['receive', '+10', '10'],
      ],
    );
    // and the server agrees: the stock equals its ledger, and pharmacists were notified
    assert.equal(sql(`SELECT stock_quantity FROM core_medicationitem WHERE id = ${medicationId}`), '2');
    assert.equal(sql(`SELECT count(*) FROM core_notification n JOIN auth_user u ON u.id = n.user_id WHERE u.username = 'baraka' AND n.notification_type = 'low_stock'`), '1');

    // The patient brings one back: more than was dispensed is refused beside its field; one
    // unit goes back on the shelf, the stock rises to 3.
    await ledger.locator('tr[data-kind=dispense] [data-testid=return]').click();
    const back = page.locator('[data-testid=return-form]');
    await back.locator('input[name=quantity]').fill('9');
    await back.locator('input[name=reason]').fill('Unused, box sealed');
    await page.locator('[data-testid=return-submit]').click();
    await back.getByText('At most 8 can come back from this dispense.', { exact: false }).first().waitFor();
    await back.locator('input[name=quantity]').fill('1');
    await page.locator('[data-testid=return-submit]').click();
    await back.waitFor({ state: 'detached' });
    await ledger.locator('tr[data-kind=return]').waitFor();
    assert.deepEqual(
      await ledger.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-kind'), r.children[2].textContent, r.children[3].textContent])),
      [
        ['return', '+1', '3'],
        ['dispense', '-8', '2'],
        ['receive', '+10', '10'],
      ],
    );
    await page.locator('[data-testid=medication-available]').getByText('3', { exact: false }).waitFor();
    assert.equal(sql(`SELECT stock_quantity FROM core_medicationitem WHERE id = ${medicationId}`), '3');
    assert.deepEqual(page.jsErrors, []);
  });
});
