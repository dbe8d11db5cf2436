// The administrator's month: what the clinic did through the API (a doctor sees a child and an
// adult twice, the consultation fees are billed and partly paid) is what the attendance and
// revenue reports of this month show on screen, in their CSV and in their PDF.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };
const CASHIER = { username: 'halima', password: 'keshia-salama-2026', first_name: 'Halima', last_name: 'Said' };

/** yearsAgo is today's date n years ago (YYYY-MM-DD). */
function yearsAgo(n) {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - n);
  return d.toISOString().slice(0, 10);
}

test('an administrator runs the month\'s attendance and revenue reports, with CSV and PDF', { timeout: 300_000 }, async () => {
  const { chelal, admin } = clinic;
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const user = async (role, u) => (await api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) })).user;
  const doctor = await user('doctor', DOCTOR);
  await user('cashier', CASHIER);
  const consult = (await api('GET', '/api/v1/services?q=CONSULT')).items.find((s) => s.code === 'CONSULT');
  await api('PATCH', `/api/v1/services/${consult.id}`, { version: consult.version, price: '500.00' });
  const child = await api('POST', '/api/v1/patients', { first_name: 'Neema', last_name: 'Otieno', date_of_birth: yearsAgo(3), gender: 'female', confirm_duplicate: true });
  const adult = await api('POST', '/api/v1/patients', { first_name: 'Baraka', last_name: 'Mwakilema', date_of_birth: yearsAgo(40), gender: 'male', confirm_duplicate: true });

  // The doctor sees the child once and the adult twice (a new visit, then a repeat one).
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const see = async (patient) => {
    const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, doc);
    const enc = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Fever.', diagnosis: 'Fever' }, doc);
    await api('POST', `/api/v1/encounters/${enc.id}/close`, { version: enc.version }, doc);
  };
  await see(child);
  await see(adult);
  await see(adult);

  // The cashier: the adult's bill (two fees) partly in cash, the child's by mobile money.
  const cashier = await chelal.login(CASHIER.username, CASHIER.password);
  const billOf = async (p) => (await api('GET', `/api/v1/bills?patient_id=${p.id}`, undefined, cashier)).items[0];
  const adultBill = await billOf(adult);
  const childBill = await billOf(child);
  assert.equal(adultBill.total_amount, '1000.00');
  assert.equal(childBill.total_amount, '500.00');
  await api('POST', `/api/v1/bills/${adultBill.id}/payments`, { amount: '600.00', payment_method: 'cash' }, cashier);
  await api('POST', `/api/v1/bills/${childBill.id}/payments`, { amount: '500.00', payment_method: 'mobile_money', transaction_id: 'QK7H2LM9' }, cashier);

  const page = await newPage(clinic.browser);
  await scenario('reports', page, async () => {
    await loginUI(page, chelal.url, 'admin', 'amani-kwa-wote-2026');
    // The home page: this month at a glance.
    await page.locator('[data-testid=month-visits][data-value="3"]').waitFor();
    assert.equal(await page.locator('[data-testid=month-revenue]').getAttribute('data-value'), '1100.00');

    await page.locator('[data-testid=main-nav] [data-area=reports]').click();
    await page.locator('[data-testid=report-tab-attendance]').click();
    const report = page.locator('[data-testid=period-report][data-kind=attendance]');
    await report.waitFor();
    await page.locator('[data-testid=figure-visits][data-value="3"]').waitFor();
    const figure = (k) => page.locator(`[data-testid=figure-${k}]`).getAttribute('data-value');
    assert.equal(await figure('new'), '2');
    assert.equal(await figure('repeat'), '1');
    assert.equal(await figure('patients'), '2');
    const cell = (section, row, col) => page.locator(`[data-testid=section-${section}] [data-row="${row}"] [data-col="${col}"]`).getAttribute('data-value');
    assert.equal(await cell('age_sex', '1-4', 'new_female'), '1');
    assert.equal(await cell('age_sex', '25-49', 'new_male'), '1');
    assert.equal(await cell('age_sex', '25-49', 'repeat_male'), '1');
    assert.equal(await cell('age_sex', '0-0', 'total'), '0');
    assert.equal(await cell('doctor', String(doctor.id), 'total'), '3');
    const from = await page.locator('[data-testid=report-period]').getAttribute('data-from');
    assert.match(from, /^\d{4}-\d{2}-01$/, 'a month by default');

    // The CSV: the same numbers.
    const csv = await page.request.get(chelal.url + (await page.locator('[data-testid=report-csv]').getAttribute('href')));
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-disposition'], /attachment; filename="attendance-\d{4}-\d{2}-01-/);
    const body = await csv.text();
    assert.match(body, /^Attendance,/);
    assert.match(body, /\nVisits,3\n/);
    assert.match(body, /\nNew visits,2\n/);
    assert.match(body, /\nRepeat visits,1\n/);
    assert.match(body, /\n1-4,1,0,0,1,0,0,0\n/); // total, new/repeat male, new/repeat female, new/repeat other
    assert.match(body, /\n25-49,2,1,1,0,0,0,0\n/);
    assert.match(body, /\nJuma Kariuki,3,2,1\n/);
    // The PDF: a printable document (its text is checked by the Go tests).
    const pdf = await page.request.get(chelal.url + (await page.locator('[data-testid=report-pdf]').getAttribute('href')));
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');

    // Revenue, over the same month.
    await page.locator('[data-testid=report-tab-revenue]').click();
    await page.locator('[data-testid=period-report][data-kind=revenue]').waitFor();
    await page.locator('[data-testid=figure-received][data-value="1100.00"]').waitFor();
    assert.equal(await figure('payments'), '2');
    assert.equal(await figure('charged'), '1500.00');
    assert.equal(await figure('outstanding'), '400.00');
    assert.equal(await cell('method', 'cash', 'amount'), '600.00');
    assert.equal(await cell('method', 'mobile_money', 'amount'), '500.00');
    assert.equal(await cell('category', 'consultation', 'amount'), '1500.00');
    assert.equal(await cell('category', 'consultation', 'quantity'), '3');
    const rcsv = await (await page.request.get(chelal.url + (await page.locator('[data-testid=report-csv]').getAttribute('href')))).text();
    assert.match(rcsv, /\nReceived,1100\.00\n/);
    assert.match(rcsv, /\nCash,600\.00,1\n/);
    assert.match(rcsv, /\nHalima Said,1100\.00,2\n/);
    const rpdf = await page.request.get(chelal.url + (await page.locator('[data-testid=report-pdf]').getAttribute('href')));
    assert.equal(rpdf.status(), 200);
    assert.equal((await rpdf.body()).subarray(0, 5).toString(), '%PDF-');

    // A year: the same visits.
    // The month's figures are the year's too: wait for the year's period (1 January to 31
    // December; a January or a December alone has one of the two) before reading them, or the
    // month's still on screen would pass.
    await page.locator('[data-testid=period-kind]').getByText('Year').click();
    await page.locator('[data-testid=report-period][data-from$="-01-01"][data-to$="-12-31"]').waitFor();
    await page.locator('[data-testid=figure-received][data-value="1100.00"]').waitFor();
    assert.deepEqual(page.jsErrors, []);
  });
});
