// The front desk's day: a receptionist registers a patient (a second, similar registration is
// warned of the duplicate and needs a confirmation), finds the patient with a typo from the
// header search, books them with a doctor with `b` then Enter (the first free slot), fails to
// double-book a slot another desk took meanwhile (a clear message), checks the patient in and
// sees them in the reception queue, with a walk-in after them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bookFirstFree, Chelal, cleanup, clearOfSlotStart, fillDate, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';

let chelal;
let browser;
let admin;
let doctorId;

const RECEPTIONIST = { username: 'neema', password: 'mapokezi-salama-1' };

before(async () => {
  chelal = await Chelal.create();
  await chelal.start();
  admin = await chelal.setup();
  const user = async (role, u) =>
    (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  doctorId = (await user('doctor', { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' })).id;
  await user('receptionist', { ...RECEPTIONIST, first_name: 'Neema', last_name: 'Otieno' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cleanup();
});

const RECORD = /^[A-Z]+-\d{6}-\d$/;

test('register, find with a typo, book, refuse a double booking, check in, queue', { timeout: 300_000 }, async () => {
  const page = await newPage(browser);
  await scenario('reception', page, async () => {
    await loginUI(page, chelal.url, RECEPTIONIST.username, RECEPTIONIST.password);
    await page.locator('[data-testid=home-queue-size]').getByText('Waiting now: 0').waitFor();

    // Search first; nobody found: register, starting from what was typed.
    await page.locator('[data-testid=main-nav] [data-area=patients]').click();
    await page.locator('[data-testid=patient-search-page-input]').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'patient-search-page-input');
    await page.keyboard.type('Amina Wanjiru'); // the page's search box has the focus
    await page.locator('[data-testid=no-patients]').waitFor();
    await page.locator('[data-testid=register-from-search]').click();
    const form = page.locator('[data-testid=patient-register-form]');
    assert.equal(await form.locator('input[name=first_name]').inputValue(), 'Amina');
    assert.equal(await form.locator('input[name=last_name]').inputValue(), 'Wanjiru');
    await fillDate(form.locator('[data-date=date_of_birth]'), '2031-01-01');
    await form.locator('select[name=gender]').selectOption('female');
    await form.locator('input[name=contact_info]').fill('0712 345 678');
    await form.locator('textarea[name=known_allergies]').fill('Penicillin');
    await form.locator('input[name=first_name]').press('Enter');
    await form.getByText('The date of birth cannot be in the future.').waitFor(); // checked beside the field
    await fillDate(form.locator('[data-date=date_of_birth]'), '1990-05-12');
    await form.locator('input[name=first_name]').press('Enter');
    const chart = page.locator('[data-testid=patient-chart]');
    await chart.waitFor();
    const first = await chart.getAttribute('data-unique-id');
    assert.match(first, RECORD);
    assert.match(await page.locator('[data-testid=allergies]').innerText(), /Penicillin/);

    // A second, similar registration: the likely duplicate is shown with its record number.
    await page.goto(chelal.url + '/patients/new');
    await form.locator('input[name=first_name]').fill('Aminah');
    await form.locator('input[name=last_name]').fill('Wanjiru');
    await fillDate(form.locator('[data-date=date_of_birth]'), '1990-05-12');
    // a reload (a power cut at the desk) keeps what was typed
    await page.waitForTimeout(300);
    await page.reload();
    await page.locator('[data-testid=draft-restored]').waitFor();
    assert.equal(await form.locator('input[name=first_name]').inputValue(), 'Aminah');
    assert.equal(await form.locator('input[name=date_of_birth]').inputValue(), '1990-05-12');
    const dups = page.locator('[data-testid=duplicates]');
    await dups.locator(`[data-unique-id="${first}"]`).waitFor();
    await form.locator('input[name=first_name]').press('Enter');
    await form.getByText('Confirm that this is a new patient, or open the existing record.').waitFor();
    await form.locator('input[name=confirm_duplicate]').check();
    await form.locator('input[name=first_name]').press('Enter');
    await page.waitForURL((u) => /\/patients\/\d+$/.test(u.pathname));
    await chart.waitFor();
    const second = await chart.getAttribute('data-unique-id');
    const secondId = Number(new URL(page.url()).pathname.split('/').pop());
    assert.match(second, RECORD);
    assert.notEqual(second, first);
    await page.locator('[data-testid=no-allergies]').waitFor();

    // Find the first patient with a typo, from anywhere: `/`, type, pick, Enter.
    await page.locator('h2').first().click();
    await page.keyboard.press('/');
    await page.keyboard.type('wanjru amina'); // reversed, lower case, a letter missing
    const options = page.locator('[data-testid=header-results] [role=option]');
    await options.locator(`xpath=self::*[@data-unique-id="${first}"]`).waitFor();
    const ids = await options.evaluateAll((els) => els.map((e) => e.getAttribute('data-unique-id')));
    for (let i = 0; i < ids.indexOf(first); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid=patient-chart][data-unique-id="${first}"]`).waitFor();

    // A record number with a wrong check digit is said so.
    const wrong = first.slice(0, -1) + String((Number(first.at(-1)) + 1) % 10);
    await page.goto(`${chelal.url}/patients?q=${encodeURIComponent(wrong)}`);
    await page.locator('[data-testid=check-digit-warning]').waitFor();
    await page.goBack();
    await page.locator(`[data-testid=patient-chart][data-unique-id="${first}"]`).waitFor();

    // Book: `b` opens the booking with the doctor's first free slot, Enter books it.
    const { date, time } = await bookFirstFree(page);
    const book = page.locator('[data-testid=book-form]');
    await page.locator('[data-testid=patient-appointments]').getByText('Juma Kariuki').waitFor();

    // The day view shows the booking; another desk takes the next free slot meanwhile, so
    // booking it here is refused with a clear message. (The free slot is read, clicked and
    // booked by the other desk in the same slot of time, not across a slot's start.)
    await clearOfSlotStart(45_000);
    await page.goto(`${chelal.url}/appointments?date=${date}&doctor=${doctorId}`);
    const day = page.locator('[data-testid=day-schedule]');
    await day.locator(`tr[data-time="${time}"]`).getByText('Amina Wanjiru').waitFor();
    let slotDate = date;
    if ((await day.locator(`[data-free-slot^="${doctorId} "]`).count()) === 0) {
      // booked the day's last slot: take one of the next day
      await page.locator('[data-testid=next]').click();
      // wait for the next day to be shown: read at once, the field may still hold today
      await page.waitForFunction((d) => document.querySelector('input[name=schedule_date]')?.value !== d, date);
      slotDate = await page.locator('input[name=schedule_date]').inputValue();
    }
    const free = day.locator(`[data-free-slot^="${doctorId} "]`).first();
    const freeTime = (await free.getAttribute('data-free-slot')).split(' ')[1];
    await free.click();
    // the patient is picked with the same search: the record number, Enter
    await page.locator('[data-testid=book-patient-input]').fill(second);
    await page.locator(`[data-testid=book-patient] [role=option][data-unique-id="${second}"]`).waitFor();
    await page.locator('[data-testid=book-patient-input]').press('Enter');
    await book.waitFor();
    assert.equal(await book.locator('select[name=time]').inputValue(), freeTime);
    const other = (await chelal.api('POST', '/api/v1/patients', {
      first_name: 'Baraka', last_name: 'Mwangi', date_of_birth: '1985-01-20', gender: 'male', contact_info: '', address: '', known_allergies: '', confirm_duplicate: false,
    }, admin)).json;
    await chelal.api('POST', '/api/v1/appointments', { patient_id: other.id, doctor_id: doctorId, date: slotDate, time: freeTime }, admin);
    await book.locator('[data-testid=book-submit]').click();
    await book.locator('[data-testid=book-error]').getByText('This doctor already has an appointment at that date and time. Choose another slot.').waitFor();
    await page.keyboard.press('Escape');
    await book.waitFor({ state: 'detached' });
    await day.locator(`tr[data-time="${freeTime}"]`).getByText('Baraka Mwangi').waitFor(); // the schedule was refreshed

    // Check the booked patient in; a walk-in follows; the queue shows both in arrival order.
    const chip = day.locator(`tr[data-time="${time}"] .appointment-chip`).filter({ hasText: 'Amina Wanjiru' });
    await chip.getByRole('button', { name: 'Actions' }).click();
    await page.locator('[role=menu] [data-move=checked_in]').waitFor();
    assert.deepEqual(
      await page.locator('[role=menu] [data-move]').evaluateAll((els) => els.map((e) => e.getAttribute('data-move'))),
      ['checked_in', 'cancelled', 'no_show', 'reschedule'],
      'only the legal moves of a scheduled appointment',
    );
    await page.locator('[role=menu] [data-move=checked_in]').click();
    await day.locator(`tr[data-time="${time}"] [data-status=checked_in]`).first().waitFor();

    await page.locator('[data-testid=tab-queue]').click();
    await page.waitForURL(/\/appointments\/queue$/);
    await page.locator('[data-testid=walk-in]').click();
    await page.locator('[data-testid=walk-in-patient-input]').fill(second);
    await page.locator(`[data-testid=walk-in-patient] [role=option][data-unique-id="${second}"]`).waitFor();
    await page.locator('[data-testid=walk-in-patient-input]').press('Enter');
    await page.locator('[data-testid=walk-in-form]').waitFor();
    await page.keyboard.press('Enter'); // the doctor select has the focus: Enter checks in
    await page.locator('[data-testid=walk-in-form]').waitFor({ state: 'detached' });
    const queue = page.locator('[data-testid=queue] tbody tr');
    // the clinic's today is the walk-in's date (the clinic's zone, not this machine's)
    const [walkIn] = (await chelal.api('GET', `/api/v1/appointments?patient_id=${secondId}`, undefined, admin)).json.items; // their only visit
    const expected = date === walkIn.date ? [first, second] : [second]; // a booking for tomorrow is not in today's queue
    await page.locator('[data-testid=queue-size]').getByText(`Waiting: ${expected.length}`).waitFor();
    assert.deepEqual(await queue.evaluateAll((els) => els.map((e) => e.getAttribute('data-unique-id'))), expected);
    assert.match(await queue.first().innerText(), /\d+ min/i);
    // the vitals and consultation shortcuts are for nurses and doctors, not the receptionist
    assert.equal(await page.locator('[data-testid=queue] [data-testid^=queue-vitals-], [data-testid=queue] [data-testid^=queue-consult-]').count(), 0);

    // The receptionist's home shows the queue.
    await page.locator('[data-testid=main-nav] [data-area=home]').click();
    await page.locator('[data-testid=home-queue-size]').getByText(`Waiting now: ${expected.length}`).waitFor();

    assert.deepEqual(page.jsErrors, [], 'no script errors and no CSP violations');
  });
  await page.context().close();
});
