// Live updates: a receptionist and a doctor, each in their own browser context. The doctor's
// list is open; the receptionist checks a patient in through the walk-in form; the doctor's
// list shows the patient and a hand-over notification appears within 2 s, without any reload
// (the event stream, not the 15 s poll). The waiting-room display (a TV with a display token,
// no login) shows the ticket waiting, then called to the doctor's room when the doctor presses
// "Call next". A page whose event stream cannot connect says "Live updates paused".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const DESK = { username: 'neema', password: 'mapokezi-salama-1', first_name: 'Neema', last_name: 'Otieno' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki' };

test('a check-in reaches the doctor’s list and bell within 2 s; the display calls the patient; a stream that cannot connect says paused', { timeout: 240_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const user = async (role, u) => (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  await user('receptionist', DESK);
  await user('doctor', DOCTOR);
  const amina = (await chelal.api('POST', '/api/v1/patients', { first_name: 'Amina', last_name: 'Wanjiru', date_of_birth: '1988-05-14', gender: 'female', confirm_duplicate: true }, admin)).json;

  const tv = (await chelal.api('POST', '/api/v1/displays', { name: 'Waiting room', language: 'en' }, admin)).json;
  assert.ok(tv.token, 'the display token is given once');
  const display = await newPage(browser);
  await display.goto(`${chelal.url}/display?token=${encodeURIComponent(tv.token)}`);
  await display.locator('[data-testid=display]').waitFor();

  const doc = await newPage(browser);
  const desk = await newPage(browser);
  let reloads = 0;
  doc.on('framenavigated', (f) => {
    if (f === doc.mainFrame()) reloads++;
  });
  await scenario('live-doctor-ready', doc, async () => {
    await loginUI(doc, chelal.url, DOCTOR.username, DOCTOR.password);
    await doc.goto(`${chelal.url}/consultations`);
    await doc.locator('[data-testid=doctor-queue-size]').waitFor();
    // the stream is up: no "paused" in the header
    await doc.waitForTimeout(500);
    assert.equal(await doc.locator('[data-testid=live-paused]').count(), 0);
  });
  const navigationsBefore = reloads;

  let checkedInAt = 0;
  await scenario('live-reception', desk, async () => {
    await loginUI(desk, chelal.url, DESK.username, DESK.password);
    await desk.goto(`${chelal.url}/appointments/queue`);
    await desk.locator('[data-testid=walk-in]').click();
    await desk.locator('[data-testid=walk-in-patient-input]').fill(amina.unique_id);
    await desk.locator(`[data-testid=walk-in-patient] [role=option][data-unique-id="${amina.unique_id}"]`).waitFor();
    await desk.locator('[data-testid=walk-in-patient-input]').press('Enter');
    await desk.locator('[data-testid=walk-in-form]').waitFor();
    await desk.locator('[data-testid=check-in-now]').click();
    await desk.locator('[data-testid=walk-in-form]').waitFor({ state: 'detached' });
    checkedInAt = Date.now();

  });

  await scenario('live-doctor-sees', doc, async () => {
    await doc.locator(`[data-testid=doctor-queue] tr[data-unique-id="${amina.unique_id}"]`).waitFor({ timeout: 2000 });
    await doc.locator('.mantine-Notification-root').getByText('Amina Wanjiru has checked in').waitFor({ timeout: 2000 });
    const took = Date.now() - checkedInAt;
    assert.ok(took <= 2000, `the doctor saw the check-in after ${took} ms`);
    await doc.locator('[data-testid=notification-badge][data-count="1"]').waitFor({ timeout: 2000 });
    assert.equal(reloads, navigationsBefore, 'no reload');
    assert.deepEqual(doc.jsErrors, [], 'no script errors and no CSP violations');
  });

  // The check-in offered the ticket to print: the number the display will call.
  const ticket = await desk.locator('[data-testid=print-ticket]').getAttribute('href');
  const pdf = await desk.evaluate(async (href) => {
    const r = await fetch(href);
    return { status: r.status, type: r.headers.get('content-type') };
  }, ticket);
  assert.deepEqual(pdf, { status: 200, type: 'application/pdf' });

  // The display shows ticket 1 waiting; the doctor calls the next patient: the display shows
  // ticket 1 called to the doctor's room, within 2 s.
  await scenario('live-display', display, async () => {
    await display.locator('[data-testid=display-waiting] [data-label="1"]').waitFor({ timeout: 2000 });
    await doc.locator('[data-testid=call-room]').fill('Room 3');
    const pressed = Date.now();
    await doc.locator('[data-testid=call-next]').click();
    const now = display.locator('[data-testid=display-now][data-label="1"]');
    await now.waitFor({ timeout: 2000 });
    assert.ok(Date.now() - pressed <= 2000);
    assert.match(await now.innerText(), /Please go to Room 3/);
    assert.equal(await display.locator('[data-testid=display-waiting] [data-label="1"]').count(), 0);
    assert.deepEqual(display.jsErrors, [], 'no script errors on the display');
  });
  // Revoked, the display says so at once.
  await chelal.api('DELETE', `/api/v1/displays/${tv.id}`, undefined, admin);
  await display.locator('[data-testid=display-refused]').waitFor({ timeout: 3000 });

  // A workstation whose stream cannot connect falls back to polling and says so.
  const cut = await newPage(browser);
  await scenario('live-paused', cut, async () => {
    await cut.route('**/api/v1/events*', (r) => r.fulfill({ status: 503, contentType: 'application/problem+json', body: '{}' }));
    await loginUI(cut, chelal.url, DESK.username, DESK.password);
    await cut.locator('[data-testid=live-paused]').getByText('Live updates paused').waitFor({ timeout: 10_000 });
  });
});

test('the administrator creates a display in Settings and revokes it; a user’s hand-over choices are saved and kept', { timeout: 180_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const page = await newPage(browser);
  await scenario('live-displays-card', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.goto(`${chelal.url}/settings`);
    const card = page.locator('[data-testid=displays-card]');
    await card.locator('[data-testid=display-name]').fill('Corridor TV');
    await card.locator('[data-testid=display-create]').click();
    const link = await card.locator('[data-testid=display-link] pre, [data-testid=display-link] code').first().textContent();
    const token = new URL(link.trim()).searchParams.get('token');
    assert.ok(token, 'the link carries the display token');
    // the TV opens with it
    const tv = await newPage(browser);
    await tv.goto(link.trim());
    await tv.locator('[data-testid=display]').waitFor();
    await tv.close();
    const row = card.locator('tr', { hasText: 'Corridor TV' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/^Revoked /).waitFor();
    const listed = (await chelal.api('GET', '/api/v1/displays', undefined, admin)).json.items.find((d) => d.name === 'Corridor TV');
    assert.ok(listed?.revoked_at, 'revoked on the server');
  });

  await scenario('live-handover-card', page, async () => {
    await page.goto(`${chelal.url}/profile`);
    const card = page.locator('[data-testid=handover-card]');
    const bill = card.locator('[data-testid=handover-bill]');
    assert.equal(await bill.isChecked(), true, 'every hand-over is on until chosen');
    await bill.uncheck();
    await card.locator('[data-testid=handover-bill]:enabled').waitFor(); // saved: the boxes are free again
    await card.locator('[data-testid=handover-sound]').check();
    await page.waitForFunction(async () => {
      const r = await fetch('/api/v1/auth/me');
      const me = await r.json();
      return me.user.preferences?.handover?.bill === false && me.user.preferences?.handover?.sound === true;
    });
    await page.reload();
    await card.waitFor();
    assert.equal(await card.locator('[data-testid=handover-bill]').isChecked(), false, 'the choice is kept');
    assert.equal(await card.locator('[data-testid=handover-checkin]').isChecked(), true);
  });
});
