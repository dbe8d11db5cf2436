// The cashier's day: the bill comes from the clinic's flow (the doctor closes the consultation:
// its fee goes on the patient's open bill; the pharmacist dispenses the prescription: the
// medication is added), is found by the patient's name, paid in two parts (an amount over the
// balance is refused before it is sent), its receipt printed (80 mm and A4 layouts, and as
// PDF), and the daily report shows the revenue by method, with the CSV download.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const CASHIER = { username: 'halima', password: 'keshia-salama-2026', first_name: 'Halima', last_name: 'Said' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };
const PHARMACIST = { username: 'baraka', password: 'dawa-salama-2026', first_name: 'Baraka', last_name: 'Mushi' };

test('a cashier takes a partial then a full payment, prints the receipt, and the day shows the revenue', { timeout: 240_000 }, async () => {
  const { chelal, admin } = clinic;
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const user = async (role, u) => (await api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) })).user;
  await user('cashier', CASHIER);
  const doctor = await user('doctor', DOCTOR);
  await user('pharmacist', PHARMACIST);
  // The administrator's catalog: the consultation fee (code CONSULT, there since the setup) is
  // what closing a consultation bills; the administrator sets its price.
  const consult = (await api('GET', '/api/v1/services?q=CONSULT')).items.find((s) => s.code === 'CONSULT');
  await api('PATCH', `/api/v1/services/${consult.id}`, { version: consult.version, price: '500.00' });
  const patient = await api('POST', '/api/v1/patients', { first_name: 'Baraka', last_name: 'Mwakilema', date_of_birth: '1984-02-11', gender: 'male', confirm_duplicate: true });

  // The pharmacist's shelf: a medication in stock.
  const pha = await chelal.login(PHARMACIST.username, PHARMACIST.password);
  const category = await api('POST', '/api/v1/medication-categories', { name: 'Antimalarials' }, pha);
  const med = await api('POST', '/api/v1/medications', { name: 'Coartem', category_id: category.id, strength: '20/120 mg', form: 'tablet', unit_price: '12.50' }, pha);
  const nextYear = new Date();
  nextYear.setFullYear(nextYear.getFullYear() + 1);
  await api('POST', `/api/v1/medications/${med.id}/batches`, { batch_number: 'LOT-1', expiry_date: nextYear.toISOString().slice(0, 10), quantity: 100, unit_cost: '8.00' }, pha);

  // The doctor: a walk-in, the consultation, a prescription, closed: the fee is billed.
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, doc);
  const encounter = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Fever; RDT positive.', diagnosis: 'Malaria' }, doc);
  const rx = await api('POST', `/api/v1/encounters/${encounter.id}/prescriptions`, { medication_id: med.id, dosage: '4 tablets', frequency: 'twice a day', duration: '3 days', quantity: 24 }, doc);
  await api('POST', `/api/v1/encounters/${encounter.id}/close`, { version: encounter.version }, doc);
  const bills = (await api('GET', `/api/v1/bills?patient_id=${patient.id}`)).items;
  assert.equal(bills.length, 1, "closing the consultation opened the patient's bill");
  assert.equal(bills[0].total_amount, '500.00');

  // The pharmacist dispenses it: the medication goes on the same bill (24 x 12.50).
  await api('POST', `/api/v1/prescriptions/${rx.id}/dispense`, { quantity: 24 }, pha);
  const bill = await api('GET', `/api/v1/bills/${bills[0].id}`);
  assert.equal(bill.total_amount, '800.00');
  assert.deepEqual(bill.items.map((i) => [i.kind, i.total_price]).sort(), [['consultation', '500.00'], ['medication', '300.00']]);

  const page = await newPage(clinic.browser);
  await scenario('billing', page, async () => {
    await loginUI(page, chelal.url, CASHIER.username, CASHIER.password);
    await page.locator('[data-testid=main-nav] [data-area=billing]').click();
    await page.locator('[data-testid=cashier-view]').waitFor();
    await page.locator('[data-testid=bill-search] input, input[data-testid=bill-search]').first().fill('mwakilema');
    const row = page.locator(`[data-testid=bill-row][data-bill-id="${bill.id}"]`);
    await row.waitFor();
    await row.click();

    const billPage = page.locator(`[data-testid=bill-page][data-bill-id="${bill.id}"]`);
    await billPage.waitFor();
    assert.equal(await page.locator('[data-testid=bill-balance]').getAttribute('data-amount'), '800.00');
    const amount = page.locator('[data-testid=payment-amount]');
    assert.equal(await amount.inputValue(), '800.00', 'the balance is proposed');

    // More than the balance: refused on the spot, nothing sent.
    await amount.fill('800.01');
    await page.locator('[data-testid=payment-submit]').click();
    await page.getByText('That is more than the balance of').waitFor();
    // Three decimals: said beside the field.
    await amount.fill('10.005');
    await page.locator('[data-testid=payment-submit]').click();
    await page.getByText('An amount has at most two decimals.').waitFor();

    // A partial payment in cash.
    await amount.fill('300');
    await page.locator('[data-testid=payment-submit]').click();
    await page.locator(`[data-testid=bill-page][data-status=partially_paid]`).waitFor();
    assert.equal(await page.locator('[data-testid=bill-balance]').getAttribute('data-amount'), '500.00');
    assert.equal(await page.locator('[data-testid=payment-row]').count(), 1);

    // The rest by mobile money, with its reference.
    assert.equal(await amount.inputValue(), '500.00', 'the new balance is proposed');
    await page.locator('[data-testid=payment-method]').selectOption('mobile_money');
    await page.locator('input[name=transaction_id]').fill('QK7H2LM9');
    await page.locator('[data-testid=payment-submit]').click();
    await page.locator(`[data-testid=bill-page][data-status=paid]`).waitFor();
    assert.equal(await page.locator('[data-testid=bill-balance]').getAttribute('data-amount'), '0.00');
    assert.equal(await page.locator('[data-testid=payment-form]').count(), 0, 'a paid bill takes no payment');
    const stored = await api('GET', `/api/v1/bills/${bill.id}`);
    assert.equal(stored.paid_amount, '800.00');
    assert.equal(stored.payments.length, 2);

    // The receipt: clinic, lines, payments, balance, cashier and number, on an 80 mm roll.
    await page.locator('[data-testid=print-receipt]').click();
    const receipt = page.locator('[data-testid=receipt]');
    await receipt.waitFor();
    assert.match(await receipt.getAttribute('data-receipt-number'), /^R-\d{6}$/);
    assert.equal(await receipt.getAttribute('data-layout'), '80mm');
    const text = await receipt.innerText();
    for (const s of ['Kliniki ya Majaribio', 'Consultation', 'Coartem', 'Baraka Mwakilema', 'QK7H2LM9', 'Halima Said', stored.payments[1].receipt_number]) {
      assert.ok(text.includes(s), `the receipt shows ${s}`);
    }
    assert.match(await page.locator('[data-testid=receipt-balance]').innerText(), /0\.00/);
    assert.match(await page.locator('[data-testid=receipt-total]').innerText(), /800\.00/);
    assert.ok((await page.locator('style').allInnerTexts()).some((s) => s.includes('size: 80mm auto')), 'the printer is asked for an 80 mm roll');
    // On paper: the receipt only.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await receipt.isVisible(), true);
    assert.equal(await page.locator('[data-testid=main-nav]').isVisible(), false);
    assert.equal(await page.locator('[data-testid=receipt-print]').isVisible(), false);
    await page.emulateMedia({ media: 'screen' });
    // A4: the unit prices appear, and the printer is asked for A4.
    await page.locator('[data-testid=receipt-layout]').getByText('A4 sheet').click();
    await page.locator('[data-testid=receipt][data-layout=a4]').waitFor();
    assert.ok((await page.locator('style').allInnerTexts()).some((s) => s.includes('size: A4')));
    // The PDF, as the browser would download it.
    const pdf = await page.request.get(`${chelal.url}/api/v1/bills/${bill.id}/receipt.pdf?size=80mm`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');

    // The day: the revenue by method, and the CSV.
    await page.locator('[data-testid=main-nav] [data-area=reports]').click();
    await page.locator('[data-testid=daily-report]').waitFor();
    await page.locator('[data-testid=report-revenue][data-amount="800.00"]').waitFor();
    assert.equal(await page.locator('[data-testid=report-by-method] [data-method=cash] [data-amount]').getAttribute('data-amount'), '300.00');
    assert.equal(await page.locator('[data-testid=report-by-method] [data-method=mobile_money] [data-amount]').getAttribute('data-amount'), '500.00');
    assert.match(await page.locator('[data-testid=report-by-cashier]').innerText(), /Halima Said/);
    const href = await page.locator('[data-testid=report-csv]').getAttribute('href');
    const csv = await page.request.get(chelal.url + href);
    assert.equal(csv.status(), 200);
    const body = await csv.text();
    assert.match(body, /^section,item,count,amount/);
    assert.match(body, /revenue,total,2,800\.00/);
    assert.match(body, /revenue by method,Cash,1,300\.00/);
    assert.deepEqual(page.jsErrors, []);
  });
});
