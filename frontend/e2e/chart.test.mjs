// The patient chart: allergies in red, a stale edit shown beside the current version and
// re-applied, the printable card (Code 128 and QR drawn locally), booking a chosen slot from
// the chart, and on the week view a reschedule and a cancellation with its reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, fillDate, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';

let chelal;
let browser;
let admin;
let doctorId;
let patient;

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

before(async () => {
  chelal = await Chelal.create();
  await chelal.start();
  admin = await chelal.setup();
  const role = await chelal.roleId(admin, 'doctor');
  doctorId = (
    await chelal.api('POST', '/api/v1/users', { username: 'asha', password: 'daktari-salama-2', first_name: 'Asha', last_name: 'Ndege', email: 'asha@clinic.test', role_id: role }, admin)
  ).json.user.id;
  patient = (
    await chelal.api('POST', '/api/v1/patients', {
      first_name: 'Zuhura', last_name: 'Mollel', date_of_birth: '1979-11-02', gender: 'female', contact_info: '0755 111 222', address: 'Moshi',
      known_allergies: 'Penicillin (rash)', confirm_duplicate: false,
    }, admin)
  ).json;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cleanup();
});

test('chart: allergies, stale edit re-applied, card, booking, reschedule and cancel', { timeout: 240_000 }, async () => {
  const page = await newPage(browser);
  await scenario('chart', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.goto(`${chelal.url}/patients/${patient.id}`);
    const chart = page.locator('[data-testid=patient-chart]');
    await chart.waitFor();
    assert.match(await page.locator('[data-testid=allergies]').innerText(), /Penicillin \(rash\)/);
    assert.equal(await page.locator('[data-testid=record-number]').innerText(), patient.unique_id);

    // Edit while another desk changes the phone: refused, both versions shown, mine re-applied.
    await page.locator('[data-testid=edit-patient]').click();
    const form = page.locator('[data-testid=patient-edit-form]');
    await form.locator('input[name=address]').fill('Arusha');
    await chelal.api('PATCH', `/api/v1/patients/${patient.id}`, { version: patient.version, contact_info: '0799 999 999' }, admin);
    await form.locator('input[name=address]').press('Enter');
    const conflict = page.locator('[data-testid=patient-conflict]');
    await conflict.waitFor();
    const differs = await conflict.locator('tr[data-differs]').evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
    assert.deepEqual(differs.sort(), ['address', 'contact_info']);
    await page.locator('[data-testid=apply-mine]').click();
    assert.equal(await form.locator('input[name=contact_info]').inputValue(), '0799 999 999');
    assert.equal(await form.locator('input[name=address]').inputValue(), 'Arusha');
    await form.locator('input[name=address]').press('Enter');
    await form.waitFor({ state: 'detached' });
    await chart.getByText('Arusha').waitFor();
    await chart.getByText('0799 999 999').waitFor();

    // The card: barcode and QR code drawn here; on paper only the card.
    await page.locator('[data-testid=patient-card-link]').click();
    const card = page.locator('[data-testid=patient-card]');
    await card.waitFor();
    assert.equal(await card.locator('[data-testid=barcode]').getAttribute('aria-label'), patient.unique_id);
    assert.ok((await card.locator('[data-testid=barcode] rect').count()) > 30, 'bars drawn');
    assert.ok((await card.locator('[data-testid=qrcode] path').getAttribute('d')).length > 100, 'QR modules drawn');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await card.isVisible(), true);
    assert.equal(await page.locator('[data-testid=print-card]').isVisible(), false);
    assert.equal(await page.locator('[data-testid=main-nav]').isVisible(), false);
    await page.emulateMedia({ media: 'screen' });

    // Book a chosen slot from the chart: next week's Wednesday at 10:30.
    const d = new Date();
    d.setDate(d.getDate() + 7 + ((3 - d.getDay() + 7) % 7));
    const day = iso(d);
    await page.goBack();
    await page.locator('[data-testid=book-from-chart]').click();
    const book = page.locator('[data-testid=book-form]');
    await book.locator('[data-testid=first-free]').waitFor();
    await fillDate(book.locator('[data-date=date]'), day);
    await book.locator('select[name=time] option[value="10:30"]').waitFor({ state: 'attached' });
    await book.locator('select[name=time]').selectOption('10:30');
    await book.locator('input[name=reason]').fill('Blood pressure review');
    await book.locator('input[name=reason]').press('Enter');
    await book.waitFor({ state: 'detached' });
    await page.locator('[data-testid=patient-appointments]').getByText('Blood pressure review', { exact: false }).waitFor();

    // The week view shows it; reschedule to 11:00, then cancel with a reason.
    await page.goto(`${chelal.url}/appointments/week?date=${day}&doctor=${doctorId}`);
    const week = page.locator('[data-testid=week-schedule]');
    const cell = (time) => week.locator(`tr[data-time="${time}"] td[data-column="${day}"]`);
    await cell('10:30').getByText('Zuhura Mollel').waitFor();
    await cell('10:30').getByRole('button', { name: 'Actions' }).click();
    await page.locator('[role=menu] [data-move=reschedule]').click();
    const move = page.locator('[data-testid=reschedule-form]');
    await move.locator('select[name=time] option[value="11:00"]').waitFor({ state: 'attached' });
    await move.locator('select[name=time]').selectOption('11:00');
    await move.getByRole('button', { name: 'Move the appointment' }).click();
    await move.waitFor({ state: 'detached' });
    await cell('11:00').getByText('Zuhura Mollel').waitFor();
    await cell('10:30').locator('[data-free-slot]').waitFor();

    await cell('11:00').getByRole('button', { name: 'Actions' }).click();
    await page.locator('[role=menu] [data-move=cancelled]').click();
    const cancel = page.locator('[data-testid=cancel-form]');
    await cancel.getByRole('button', { name: 'Cancel the appointment' }).click();
    await cancel.getByText('This field is required.').waitFor();
    await cancel.locator('textarea[name=cancel_reason]').fill('Patient travelling');
    await cancel.getByRole('button', { name: 'Cancel the appointment' }).click();
    await cancel.waitFor({ state: 'detached' });
    await cell('11:00').locator('.appointment-chip[data-status=cancelled]').waitFor();
    await cell('11:00').locator('[data-free-slot]').waitFor(); // a cancelled appointment frees its slot
    assert.equal(await cell('11:00').getByRole('button', { name: 'Actions' }).count(), 0, 'no move after a cancellation');

    // Moving between weeks changes the columns.
    const label = await page.locator('[data-testid=schedule-label]').innerText();
    await page.locator('[data-testid=next]').click();
    await page.waitForFunction((l) => document.querySelector('[data-testid=schedule-label]')?.textContent !== l, label);

    assert.deepEqual(page.jsErrors, [], 'no script errors and no CSP violations');
  });
  await page.context().close();
});
