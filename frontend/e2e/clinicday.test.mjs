// The clinic's day across the modules (issue 13, items 7 and 9). A workstation whose clock is
// in UTC shows the times of a clinic in Nairobi in Nairobi's time: the same visit reads the
// same time on the queue, the chart and the receipt. The first run sets the record-number
// prefix, the currency and the consultation fee (the catalog starts with CONSULT); money is
// shown in the clinic's currency and typed the way the user's language writes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, bookFirstFree, Chelal, cleanup, launchBrowser, loginUI, scenario } from './harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await cleanup();
});

const CASHIER = { username: 'halima', password: 'keshia-salama-2026', first_name: 'Halima', last_name: 'Said', language_preference: 'fr' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };

const hhmm = (iso, timeZone) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ');

/** freshChelal starts a Chelal of its own, not set up yet (env: e.g. the server's TZ). */
async function freshChelal(env) {
  const chelal = await Chelal.create({ env });
  await chelal.start();
  return chelal;
}

/** uiIn opens a page in a browser whose clock zone and language are given. */
async function uiIn(timezoneId, locale) {
  const context = await browser.newContext({ timezoneId, locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** clinicFlow makes a doctor, a patient and a walk-in, waiting; close() sees and bills it. */
async function clinicFlow(chelal, admin) {
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const role = (name) => chelal.roleId(admin, name);
  const doctor = (await api('POST', '/api/v1/users', { ...DOCTOR, email: 'juma@clinic.test', role_id: await role('doctor') })).user;
  await api('POST', '/api/v1/users', { ...CASHIER, email: 'halima@clinic.test', role_id: await role('cashier') });
  const patient = await api('POST', '/api/v1/patients', { first_name: 'Achieng', last_name: 'Odhiambo', date_of_birth: '1988-07-14', gender: 'female', confirm_duplicate: true });
  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const visit = await api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Cough' }, doc);
  async function close() {
    const encounter = await api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Dry cough.', diagnosis: 'URTI' }, doc);
    await api('POST', `/api/v1/encounters/${encounter.id}/close`, { version: encounter.version }, doc);
    const bill = (await api('GET', `/api/v1/bills?patient_id=${patient.id}`)).items[0];
    return { encounter, bill };
  }
  return { api, patient, visit, close };
}

test('a workstation whose clock is in UTC shows a Nairobi clinic its times on the queue, the chart and the receipt', { timeout: 240_000 }, async () => {
  const chelal = await freshChelal();
  await chelal.api('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Nairobi', ...ADMIN });
  const admin = await chelal.login(ADMIN.username, ADMIN.password);
  const settings = (await chelal.api('GET', '/api/v1/settings', undefined, admin)).json;
  await chelal.api('PATCH', '/api/v1/settings', { version: settings.version, timezone: 'Africa/Nairobi' }, admin);
  const { patient, visit, close } = await clinicFlow(chelal, admin);
  const checkedIn = visit.checked_in_at;
  assert.ok(checkedIn, 'a walk-in is checked in');
  assert.notEqual(hhmm(checkedIn, 'Africa/Nairobi'), hhmm(checkedIn, 'UTC'));

  const page = await uiIn('UTC', 'en-GB');
  await scenario('clinicday-times', page, async () => {
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'UTC', "the browser's clock is in UTC");
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);

    // The queue: the time of arrival, in Nairobi's time.
    await page.goto(chelal.url + '/appointments/queue');
    const queue = page.locator('[data-testid=queue]');
    await queue.getByText('Odhiambo').waitFor();
    const queueText = await queue.innerText();
    assert.ok(queueText.includes(hhmm(checkedIn, 'Africa/Nairobi')), `the queue shows ${hhmm(checkedIn, 'Africa/Nairobi')}: ${queueText}`);
    assert.ok(!queueText.includes(hhmm(checkedIn, 'UTC')), "the queue does not show the workstation's time");

    // The doctor sees the patient and closes the visit: the consultation fee is billed.
    const { encounter, bill } = await close();
    assert.ok(bill, 'the visit is billed');

    // The chart: the visit's time in its history.
    await page.goto(chelal.url + `/patients/${patient.id}`);
    await page.getByText(patient.unique_id).first().waitFor();
    await page.waitForTimeout(500);
    const chartText = await page.locator('main').innerText();
    assert.ok(chartText.includes(hhmm(encounter.created_at, 'Africa/Nairobi')), `the chart shows the visit at ${hhmm(encounter.created_at, 'Africa/Nairobi')}`);
    assert.ok(!chartText.includes(hhmm(encounter.created_at, 'UTC')), "the chart does not show the workstation's time");

    // The receipt: the bill's time.
    await page.goto(chelal.url + `/billing/${bill.id}/receipt`);
    await page.getByText(`#${bill.id}`).first().waitFor();
    const receiptText = plain(await page.locator('main').innerText());
    assert.ok(receiptText.includes(hhmm(bill.created_at, 'Africa/Nairobi')), `the receipt shows the bill at ${hhmm(bill.created_at, 'Africa/Nairobi')}`);
    assert.ok(!receiptText.includes(hhmm(bill.created_at, 'UTC')), "the receipt does not show the workstation's time");
    // Its PDF is made by the server, in the clinic's zone (internal/billing).
    const pdf = await page.request.get(chelal.url + `/api/v1/bills/${bill.id}/receipt.pdf`);
    assert.equal(pdf.status(), 200);
  });
  await page.context().close();
});

test("a clinic that set no time zone runs on the server's: a workstation a day behind books the first free slot and the server takes it", { timeout: 240_000 }, async () => {
  // The server's clock is 25 hours ahead of the workstation's, at any hour: every slot of the
  // workstation's today (and its tomorrow's 08:00 after 17:45) has passed on the server's.
  const chelal = await freshChelal({ TZ: 'Pacific/Kiritimati' });
  await chelal.api('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Majaribio', ...ADMIN });
  const admin = await chelal.login(ADMIN.username, ADMIN.password);
  const settings = (await chelal.api('GET', '/api/v1/settings', undefined, admin)).json;
  assert.equal(settings.timezone, '', 'no zone set');
  assert.equal(settings.zone, 'Pacific/Kiritimati', "the zone in effect is the server's");
  const { patient, visit } = await clinicFlow(chelal, admin);

  const page = await uiIn('Pacific/Pago_Pago', 'en-GB');
  await scenario('clinicday-server-zone', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.goto(chelal.url + `/patients/${patient.id}`);
    await page.locator(`[data-testid=patient-chart][data-unique-id="${patient.unique_id}"]`).waitFor();
    const { date, time } = await bookFirstFree(page);
    assert.ok(date >= visit.date, `the first free slot (${date} ${time}) is not before the clinic's today (${visit.date})`);
    const booked = (await chelal.api('GET', `/api/v1/appointments?patient_id=${patient.id}&status=scheduled`, undefined, admin)).json.items;
    assert.deepEqual(booked.map((a) => `${a.date} ${a.time}`), [`${date} ${time}`], 'the server took the slot proposed');
  });
  await page.context().close();
});

test('the first run sets the prefix, the currency and the consultation fee; money is shown and typed in the user language', { timeout: 240_000 }, async () => {
  const chelal = await freshChelal();
  await chelal.api('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Nairobi', mrn_prefix: 'nbo', currency: 'kes', consultation_fee: '1500.50', ...ADMIN });
  const admin = await chelal.login(ADMIN.username, ADMIN.password);
  const { api, patient, close } = await clinicFlow(chelal, admin);
  const settings = await api('GET', '/api/v1/settings');
  assert.equal(settings.mrn_prefix, 'NBO');
  assert.equal(settings.currency, 'KES');
  assert.match(patient.unique_id, /^NBO-\d{6}-\d$/, 'record numbers begin with the prefix chosen at setup');
  const consult = (await api('GET', '/api/v1/services?q=CONSULT')).items.find((s) => s.code === settings.billing_consultation_code);
  assert.equal(consult?.price, '1500.50', 'the catalog starts with the consultation service at the fee given');
  const { bill } = await close();
  assert.equal(bill?.total_amount, '1500.50', 'closing the visit bills the consultation');

  const page = await uiIn('UTC', 'en-GB');
  await scenario('clinicday-setup', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.goto(chelal.url + `/billing/${bill.id}/receipt`);
    await page.getByText(`#${bill.id}`).first().waitFor();
    assert.ok(plain(await page.locator('main').innerText()).includes('KES 1,500.50'), 'the receipt shows KES 1,500.50');

    // The consultation service made inactive: the administrator's home page says so.
    await api('PATCH', `/api/v1/services/${consult.id}`, { version: consult.version, is_active: false });
    await page.goto(chelal.url + '/');
    await page.locator('[data-testid=consultation-code-missing]').waitFor();
    assert.match(await page.locator('[data-testid=consultation-code-missing]').innerText(), /CONSULT/);
  });
  await page.context().close();

  // A French-speaking cashier types "1 000,25": 1000.25 is paid; amounts read "1 500,50 KES".
  const fr = await uiIn('UTC', 'fr-FR');
  await scenario('clinicday-money', fr, async () => {
    await loginUI(fr, chelal.url, CASHIER.username, CASHIER.password);
    await fr.goto(chelal.url + `/billing/${bill.id}`);
    await fr.locator(`[data-testid=bill-page][data-bill-id="${bill.id}"]`).waitFor();
    assert.ok(plain(await fr.locator('main').innerText()).includes('1 500,50 KES'), 'the bill shows 1 500,50 KES');
    await fr.locator('[data-testid=payment-amount]').fill('1 000,25');
    await fr.locator('[data-testid=payment-submit]').click();
    await fr.locator('[data-testid=bill-page][data-status=partially_paid]').waitFor();
    const paid = await api('GET', `/api/v1/bills/${bill.id}`);
    assert.equal(paid.paid_amount, '1000.25');
    assert.equal(paid.balance, '500.25');
  });
  await fr.context().close();
});
