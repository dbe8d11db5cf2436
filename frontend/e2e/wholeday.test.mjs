// The whole clinic day through the UI, as six roles (issue 13, "Done when"): the receptionist
// registers a 7-year-old by her age with a penicillin allergy and checks her in as a walk-in;
// the nurse records only her temperature and weight (no false flag for a child); the doctor
// takes her from the queue, prescribes "Amoxicillin 250 mg" in free text and is warned of the
// allergy, prescribes a catalog alternative instead, prescribes a second one and discontinues
// it with a reason, and closes the consultation; the pharmacist's queue holds only the one left,
// which is dispensed; the cashier takes the payment (typed as the user's language writes it),
// the balance is 0 and the receipt opens; the administrator's daily report shows the revenue.
// Twice: every user in English, then every user in French, each on a fresh Chelal, with the
// browser's clock zone (UTC, then New York) not the clinic's (Nairobi): the queue shows the
// visit's time in Nairobi's wall-clock time. The API only sets the clinic up (users, zone,
// consultation fee, the medications on the shelf).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, launchBrowser, loginUI, scenario } from './harness.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await cleanup();
});

const STAFF = {
  receptionist: { username: 'neema', password: 'mapokezi-salama-1', first_name: 'Neema', last_name: 'Otieno' },
  nurse: { username: 'rehema', password: 'muuguzi-salama-1', first_name: 'Rehema', last_name: 'Juma' },
  doctor: { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' },
  pharmacist: { username: 'baraka', password: 'dawa-salama-2026', first_name: 'Baraka', last_name: 'Mushi' },
  cashier: { username: 'halima', password: 'keshia-salama-2026', first_name: 'Halima', last_name: 'Said' },
};

const hhmm = (iso, timeZone) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ');

/** setupClinic: a fresh Chelal in Nairobi, the six users in lang, the fee and the shelf. */
async function setupClinic(lang) {
  const chelal = await Chelal.create();
  await chelal.start();
  await chelal.api('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Nairobi', ...ADMIN });
  const admin = await chelal.login(ADMIN.username, ADMIN.password);
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const me = (await api('GET', '/api/v1/auth/me')).user;
  await api('PATCH', '/api/v1/auth/me', { version: me.version, language_preference: lang });
  const settings = await api('GET', '/api/v1/settings');
  await api('PATCH', '/api/v1/settings', { version: settings.version, timezone: 'Africa/Nairobi' });
  for (const [role, u] of Object.entries(STAFF)) {
    await api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, language_preference: lang, role_id: await chelal.roleId(admin, role) });
  }
  const consult = (await api('GET', '/api/v1/services?q=CONSULT')).items.find((s) => s.code === settings.billing_consultation_code);
  await api('PATCH', `/api/v1/services/${consult.id}`, { version: consult.version, price: '1500.00' });
  const nextYear = new Date();
  nextYear.setFullYear(nextYear.getFullYear() + 1);
  const meds = {};
  for (const [cat, name, strength, price] of [
    ['Penicillins', 'Amoxicillin', '250 mg', '1.50'],
    ['Macrolides', 'Azithromycin', '250 mg', '10.25'],
    ['Analgesics', 'Paracetamol', '120 mg/5 ml', '0.40'],
  ]) {
    const category = await api('POST', '/api/v1/medication-categories', { name: cat });
    const med = await api('POST', '/api/v1/medications', { name, category_id: category.id, strength, form: 'tablet', unit_price: price });
    await api('POST', `/api/v1/medications/${med.id}/batches`, { batch_number: `${name}-1`, expiry_date: nextYear.toISOString().slice(0, 10), quantity: 100, unit_cost: '1.00' });
    meds[name] = med;
  }
  return { chelal, admin, api, meds };
}

/** as opens a page for one role, in a browser whose clock is in timezoneId, logged in through the UI. */
async function as(chelal, username, password, { timezoneId, locale, lang }) {
  const context = await browser.newContext({ timezoneId, locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.jsErrors = errors;
  await loginUI(page, chelal.url, username, password);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), timezoneId, "the browser's clock zone");
  return page;
}

// In English the doctor heeds the warning and prescribes a macrolide from the catalog; in
// French the doctor confirms the free text with a reason, and the pharmacist links it to the
// catalog's Amoxicillin (warned again, a reason again) before dispensing it.
const RUNS = [
  { lang: 'en', locale: 'en-GB', timezoneId: 'UTC', override: false, medication: 'Azithromycin', quantity: '2', line: '20.50', total: '1520.50', shown: '1,520.50', pay: '1520.50' },
  { lang: 'fr', locale: 'fr-FR', timezoneId: 'America/New_York', override: true, medication: 'Amoxicillin', quantity: '15', line: '22.50', total: '1522.50', shown: '1 522,50', pay: '1 522,50' },
];
const OVERRIDE = 'Rash only, years ago; mother agrees; watched';

for (const run of RUNS) {
  test(`the whole day as six roles in ${run.lang}, the browser in ${run.timezoneId}, the clinic in Nairobi`, { timeout: 180_000 }, async () => {
    const { chelal, api, meds } = await setupClinic(run.lang);
    const open = (who) => as(chelal, who.username, who.password, run);
    const state = (page, list, id, s) => page.locator(`[data-testid=${list}] tr[data-appointment="${id}"] [data-testid=visit-state][data-state=${s}]`).waitFor();

    // The receptionist: registers the girl by her age, with her allergy, and checks her in.
    const desk = await open(STAFF.receptionist);
    let patientId, uniqueId, visitId;
    await scenario(`wholeday-${run.lang}-desk`, desk, async () => {
      await desk.locator('[data-testid=main-nav] [data-area=patients]').click();
      await desk.goto(chelal.url + '/patients/new');
      const form = desk.locator('[data-testid=patient-register-form]');
      await form.locator('input[name=first_name]').fill('Zawadi');
      await form.locator('input[name=last_name]').fill('Achieng');
      await form.locator('select[name=gender]').selectOption('female');
      await form.locator('input[name=birth_date_unknown]').check();
      await form.locator('input[name=age_years]').fill('7');
      await form.locator('textarea[name=known_allergies]').fill('Penicillin (rash)');
      await form.locator('input[name=first_name]').press('Enter');
      const chart = desk.locator('[data-testid=patient-chart]');
      await chart.waitFor();
      patientId = Number(new URL(desk.url()).pathname.split('/').pop());
      uniqueId = await chart.getAttribute('data-unique-id');
      assert.match(await chart.locator('[data-testid=patient-age]').innerText(), /\b7\b/);
      assert.match(await desk.locator('[data-testid=allergies]').first().innerText(), /Penicillin/);

      await desk.goto(chelal.url + '/appointments/queue');
      await desk.locator('[data-testid=walk-in]').click();
      await desk.locator('[data-testid=walk-in-patient-input]').fill(uniqueId);
      await desk.locator(`[data-testid=walk-in-patient] [role=option][data-unique-id="${uniqueId}"]`).waitFor();
      await desk.locator('[data-testid=walk-in-patient-input]').press('Enter');
      await desk.locator('[data-testid=walk-in-form]').waitFor();
      await desk.locator('[data-testid=check-in-now]').click();
      await desk.locator('[data-testid=walk-in-form]').waitFor({ state: 'detached' });
      const row = desk.locator('[data-testid=queue] tr[data-appointment]');
      await row.first().waitFor();
      assert.equal(await row.count(), 1);
      visitId = Number(await row.first().getAttribute('data-appointment'));
      await state(desk, 'queue', visitId, 'checked_in');

      // The time of arrival, in Nairobi's wall-clock time, not the workstation's.
      const visit = await api('GET', `/api/v1/appointments/${visitId}`);
      assert.equal(visit.patient_id, patientId);
      const nairobi = hhmm(visit.checked_in_at, 'Africa/Nairobi');
      assert.notEqual(nairobi, hhmm(visit.checked_in_at, run.timezoneId));
      const text = await row.first().innerText();
      assert.ok(text.includes(nairobi), `the queue shows the arrival at ${nairobi} (Nairobi): ${text}`);
      assert.ok(!text.includes(hhmm(visit.checked_in_at, run.timezoneId)), `the queue does not show the workstation's time: ${text}`);
      assert.deepEqual(desk.jsErrors, []);
    });
    await desk.context().close();

    // The nurse: temperature and weight only; no flag for a 7-year-old.
    const nurse = await open(STAFF.nurse);
    await scenario(`wholeday-${run.lang}-nurse`, nurse, async () => {
      await nurse.locator('[data-testid=main-nav] [data-area=vitals]').click();
      await state(nurse, 'vitals-queue', visitId, 'checked_in');
      await nurse.locator(`[data-testid=take-vitals-${visitId}]`).click();
      await nurse.waitForURL((u) => /^\/vitals\/\d+$/.test(u.pathname));
      assert.match(await nurse.locator('[data-testid=allergies]').first().innerText(), /Penicillin/);
      const form = nurse.locator('[data-testid=vitals-form]');
      await form.locator('input[name=temperature]').fill(run.lang === 'fr' ? '37,2' : '37.2');
      await form.locator('input[name=weight]').fill('22');
      await form.locator('[data-testid=vitals-submit]').click();
      await form.locator('[data-testid=vitals-saved] [data-testid=vitals-flags][data-count="0"]').waitFor();
      const rows = nurse.locator('[data-testid=vitals-table] tr[data-vitals]');
      await rows.first().waitFor();
      assert.equal(await rows.first().getAttribute('data-flags'), null, 'no value flagged');
      assert.equal(await nurse.locator('[data-testid=vitals-table] .vital-flag').count(), 0);
      assert.equal(await rows.first().locator('[data-field=heart_rate]').innerText(), '—', 'nothing else was asked for');
      assert.deepEqual(nurse.jsErrors, []);
    });
    await nurse.context().close();

    // The doctor: the queue, the allergy warning on the free text, a catalog alternative, a
    // second prescription discontinued with its reason, the consultation closed.
    const doc = await open(STAFF.doctor);
    let mainRx, paraRx, encounterId;
    await scenario(`wholeday-${run.lang}-doctor`, doc, async () => {
      await doc.locator('[data-testid=main-nav] [data-area=consultations]').click();
      await state(doc, 'doctor-queue', visitId, 'vitals_taken');
      await doc.locator(`[data-testid=start-${visitId}]`).click();
      await doc.waitForURL((u) => /^\/consultations\/\d+$/.test(u.pathname));
      await doc.locator('[data-testid=consultation][data-status=open]').waitFor();
      assert.match(await doc.locator('[data-testid=allergies]').first().innerText(), /Penicillin/);
      await doc.locator('[data-testid=encounter-vitals] tr[data-vitals]').first().waitFor();
      assert.equal(await doc.locator('[data-testid=encounter-vitals] .vital-flag').count(), 0, 'no false flag for the doctor either');
      await doc.locator('textarea[name=notes]').fill('Fever and sore throat for two days; tonsils inflamed.');
      await doc.locator('textarea[name=diagnosis]').fill('Acute tonsillitis');

      // Free text naming a penicillin: warned; the doctor confirms with a reason, or chooses another.
      const rx = doc.locator('[data-testid=prescribe-form]');
      await rx.locator('input[name=medication_name]').fill('Amoxicillin 250 mg');
      await rx.locator('input[name=dosage]').fill('250 mg');
      await rx.locator('input[name=frequency]').fill('tds');
      await rx.locator('input[name=quantity]').fill('15');
      await doc.locator('[data-testid=prescribe-submit]').click();
      const warning = doc.locator('[data-testid=allergy-warning]');
      await warning.waitFor();
      assert.match(await warning.locator('[data-testid=allergy-warnings]').innerText(), /penicillin/i);
      const list = doc.locator('[data-testid=prescription-list] tr[data-prescription]');
      const pickCatalog = async (typed, med) => {
        await rx.locator('input[name=medication_name]').fill(typed);
        await rx.locator(`[data-testid=catalog-suggestions] button[data-medication="${med.id}"]`).click();
        await rx.locator('[data-testid=catalog-suggestions]').waitFor({ state: 'detached' });
      };
      if (run.override) {
        await warning.locator('[data-testid=allergy-confirm]').click();
        await warning.locator('textarea[name=allergy_override_reason][aria-invalid=true]').waitFor(); // a reason is required
        await warning.locator('textarea[name=allergy_override_reason]').fill(OVERRIDE);
        await warning.locator('[data-testid=allergy-confirm]').click();
        await warning.waitFor({ state: 'detached' });
        await list.first().waitFor();
        assert.match(await list.first().innerText(), /Amoxicillin 250 mg/);
        assert.equal(await list.first().getAttribute('data-free-text'), 'true');
        await list.first().locator('[data-testid=allergy-override]').getByText(OVERRIDE, { exact: false }).waitFor();
      } else {
        await warning.locator('[data-testid=allergy-cancel]').click();
        await warning.waitFor({ state: 'detached' });
        assert.equal(await list.count(), 0, 'nothing prescribed while warned');
        await pickCatalog('Azithro', meds.Azithromycin);
        await rx.locator('input[name=dosage]').fill('250 mg');
        await rx.locator('input[name=frequency]').fill('od');
        await rx.locator('input[name=quantity]').fill('2');
        await doc.locator('[data-testid=prescribe-submit]').click();
        await list.first().waitFor();
        assert.equal(await doc.locator('[data-testid=allergy-warning]').count(), 0, 'no warning for a macrolide');
        assert.match(await list.first().innerText(), /Azithromycin/);
        assert.equal(await list.first().getAttribute('data-free-text'), null);
      }

      await pickCatalog('Parac', meds.Paracetamol);
      await rx.locator('input[name=dosage]').fill('5 ml');
      await rx.locator('input[name=frequency]').fill('qds');
      await rx.locator('input[name=quantity]').fill('20');
      await doc.locator('[data-testid=prescribe-submit]').click();
      await doc.locator('[data-testid=prescription-list] tr[data-prescription]').nth(1).waitFor();
      encounterId = Number(new URL(doc.url()).pathname.split('/').pop());
      const stored = (await api('GET', `/api/v1/encounters/${encounterId}/prescriptions`)).items;
      paraRx = stored.find((p) => p.medication_id === meds.Paracetamol.id);
      mainRx = stored.find((p) => p.id !== paraRx?.id);
      assert.ok(mainRx && paraRx, 'both prescriptions stored');
      assert.equal(mainRx.allergy_override_reason ?? '', run.override ? OVERRIDE : '');
      assert.equal(stored.length, 2);

      // Discontinue the paracetamol, with its reason.
      const paraRow = doc.locator(`[data-testid=prescription-list] tr[data-prescription="${paraRx.id}"]`);
      await paraRow.locator('[data-testid=discontinue]').click();
      const stop = doc.locator('[data-testid=discontinue-form]');
      await stop.locator('textarea[name=reason]').fill('Fever settled; not needed');
      await doc.locator('[data-testid=discontinue-submit]').click();
      await stop.waitFor({ state: 'detached' });
      await paraRow.locator('[data-testid=discontinued]').getByText('Fever settled; not needed', { exact: false }).waitFor();
      assert.equal(await paraRow.getAttribute('data-status'), 'discontinued');

      // Close: notes saved first, then read-only.
      await doc.locator('[data-testid=autosave-state][data-state=saved]').waitFor({ timeout: 20_000 });
      await doc.locator('[data-testid=close-encounter]').click();
      await doc.locator('[data-testid=confirm-close]').click();
      await doc.locator('[data-testid=consultation][data-status=closed]').waitFor();
      await doc.locator('[data-testid=main-nav] [data-area=consultations]').click();
      await state(doc, 'doctor-after', visitId, 'to_pharmacy');
      assert.deepEqual(doc.jsErrors, []);
    });
    await doc.context().close();

    // The pharmacist: only the first prescription waits, with the allergy shown; a free text is
    // linked to the catalog (the allergy checked again); dispensed.
    const pha = await open(STAFF.pharmacist);
    await scenario(`wholeday-${run.lang}-pharmacist`, pha, async () => {
      await pha.locator('[data-testid=main-nav] [data-area=prescriptions]').click();
      const queue = pha.locator('[data-testid=dispense-queue]');
      const entry = queue.locator(`tr[data-prescription="${mainRx.id}"]`);
      await entry.waitFor();
      assert.equal(await queue.locator(`tr[data-prescription="${paraRx.id}"]`).count(), 0, 'the discontinued one is not in the queue');
      assert.equal(await queue.locator('tr[data-prescription]').count(), 1);
      assert.match(await entry.locator('[data-testid=allergies]').innerText(), /penicillin/i);
      if (run.override) {
        assert.equal(await entry.locator('[data-testid=dispense]').count(), 0, 'free text: linked first');
        await entry.locator('[data-testid=link]').click();
        const link = pha.locator('[data-testid=link-form]');
        await link.locator('input[name=q]').fill('amox');
        await link.locator('[data-testid=link-candidates] button', { hasText: 'Amoxicillin' }).click();
        await link.locator('[data-testid=link-chosen]').waitFor();
        await pha.locator('[data-testid=link-submit]').click();
        const warned = link.locator('[data-testid=link-allergy-warning]');
        await warned.waitFor();
        assert.match(await warned.innerText(), /penicillin.*Penicillins/is);
        await link.locator('textarea[name=allergy_override_reason]').fill('Checked with Dr Kariuki');
        await pha.locator('[data-testid=link-submit]').click();
        await link.waitFor({ state: 'detached' });
        await entry.locator('[data-testid=catalog-name]').getByText('Amoxicillin').waitFor();
      }
      await entry.locator('[data-testid=dispense]').click();
      const form = pha.locator('[data-testid=dispense-form]');
      assert.equal(await form.locator('input[name=quantity]').inputValue(), run.quantity);
      await pha.locator('[data-testid=dispense-submit]').click();
      await form.waitFor({ state: 'detached' });
      await entry.waitFor({ state: 'detached' });
      assert.equal(await queue.locator('tr[data-prescription]').count(), 0);
      assert.deepEqual(pha.jsErrors, []);
    });
    await pha.context().close();

    // The cashier: the bill (consultation 1500.00 + the medication), paid in full as typed in the
    // user's language; balance 0; the receipt.
    const cash = await open(STAFF.cashier);
    let billId;
    await scenario(`wholeday-${run.lang}-cashier`, cash, async () => {
      await cash.locator('[data-testid=main-nav] [data-area=billing]').click();
      await cash.locator('[data-testid=cashier-view]').waitFor();
      await cash.locator('[data-testid=bill-search] input, input[data-testid=bill-search]').first().fill('achieng');
      const row = cash.locator('[data-testid=bill-row]');
      await row.first().waitFor();
      assert.equal(await row.count(), 1);
      billId = Number(await row.first().getAttribute('data-bill-id'));
      await row.first().click();
      await cash.locator(`[data-testid=bill-page][data-bill-id="${billId}"]`).waitFor();
      assert.equal(await cash.locator('[data-testid=bill-balance]').getAttribute('data-amount'), run.total);
      assert.ok(plain(await cash.locator('main').innerText()).includes(run.shown), 'the total as the language writes it');
      await cash.locator('[data-testid=payment-amount]').fill(run.pay);
      await cash.locator('[data-testid=payment-submit]').click();
      await cash.locator('[data-testid=bill-page][data-status=paid]').waitFor();
      assert.equal(await cash.locator('[data-testid=bill-balance]').getAttribute('data-amount'), '0.00');
      const stored = await api('GET', `/api/v1/bills/${billId}`);
      assert.equal(stored.paid_amount, run.total);
      assert.deepEqual(stored.items.map((i) => [i.kind, i.total_price]).sort(), [['consultation', '1500.00'], ['medication', run.line]]);

      await cash.locator('[data-testid=print-receipt]').click();
      const receipt = cash.locator('[data-testid=receipt]');
      await receipt.waitFor();
      const text = await receipt.innerText();
      for (const s of ['Kliniki ya Nairobi', run.medication, 'Zawadi Achieng', 'Halima Said']) assert.ok(text.includes(s), `the receipt shows ${s}`);
      assert.ok(!text.includes('Paracetamol'), 'the discontinued medication is not billed');
      assert.match(plain(await cash.locator('[data-testid=receipt-balance]').innerText()), run.lang === 'fr' ? /0,00/ : /0\.00/);
      assert.deepEqual(cash.jsErrors, []);
    });
    await cash.context().close();

    // The administrator: the chart shows the consultation at Nairobi's time; the day's report
    // (Nairobi's today, whatever the workstation's date) shows the revenue.
    const adm = await open(ADMIN);
    await scenario(`wholeday-${run.lang}-admin`, adm, async () => {
      const encounter = await api('GET', `/api/v1/encounters/${encounterId}`);
      await adm.goto(`${chelal.url}/patients/${patientId}`);
      await adm.locator(`[data-testid=patient-appointments] [data-appointment="${visitId}"]`).waitFor();
      await adm.locator('[data-testid=timeline] [data-kind=encounter]').first().waitFor();
      const chartText = await adm.locator('main').innerText();
      const seen = hhmm(encounter.created_at, 'Africa/Nairobi');
      assert.ok(chartText.includes(seen), `the chart shows the consultation at ${seen} (Nairobi)`);
      assert.ok(!chartText.includes(hhmm(encounter.created_at, run.timezoneId)), "the chart does not show the workstation's time");

      await adm.locator('[data-testid=main-nav] [data-area=reports]').click();
      const report = adm.locator('[data-testid=daily-report]');
      await report.waitFor();
      const nairobiDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Nairobi', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      assert.equal(await report.getAttribute('data-date'), nairobiDay, "the report is of the clinic's today");
      const revenue = adm.locator(`[data-testid=report-revenue][data-amount="${run.total}"]`);
      await revenue.waitFor();
      assert.ok(plain(await revenue.innerText()).includes(run.shown));
      assert.equal(await adm.locator('[data-testid=report-by-method] [data-method=cash] [data-amount]').getAttribute('data-amount'), run.total);
      assert.match(await adm.locator('[data-testid=report-by-cashier]').innerText(), /Halima Said/);
      assert.deepEqual(adm.jsErrors, []);
    });
    await adm.context().close();
    await chelal.stop();
  });
}
