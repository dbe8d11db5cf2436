// Video consultations over the clinic's LAN: Chelal serves HTTPS on a non-loopback address
// (10.77.3.1, in a network namespace: lanclinic.mjs); Chromium contexts with a fake camera and
// microphone join one session. The doctor and the far-end nurse, then the doctor and a patient
// with the one-time link reception made (code, QR), each see the other's video (getStats:
// inbound frames decoded > 0 within 10 s); a third person is refused; closing the encounter
// leaves the call up; the doctor's hang-up ends it for both. Needs root (the namespace).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, cleanup, loginUI, newPage, scenario } from './harness.mjs';
import { startLANClinic } from './lanclinic.mjs';

const PASSWORD = 'simu-ya-video-2026';
let lan;
let browser;
let admin;
const users = {};

before(async () => {
  lan = await startLANClinic({ tag: 'tm', subnet: 3 });
  browser = await lan.trustingBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  admin = await lan.login(ADMIN.username, ADMIN.password);
  const roles = (await lan.api('GET', '/api/v1/roles', undefined, admin)).items;
  for (const [username, role, first] of [
    ['drasha', 'doctor', 'Asha'],
    ['drjuma', 'doctor', 'Juma'],
    ['nesi', 'nurse', 'Neema'],
    ['mapokezi', 'receptionist', 'Rehema'],
  ]) {
    const roleId = roles.find((r) => r.name === role).id;
    const u = await lan.api('POST', '/api/v1/users', { username, password: PASSWORD, first_name: first, last_name: 'Mwita', email: `${username}@clinic.test`, role_id: roleId }, admin);
    users[username] = u.user ?? u;
  }
});

after(async () => {
  await lan?.stop();
  await cleanup();
});

/** videoVisit registers a patient and checks them in for a video consultation with Dr Asha. */
async function videoVisit(desk, first) {
  const p = await lan.api('POST', '/api/v1/patients', { first_name: first, last_name: 'Otieno', date_of_birth: '1990-04-02', gender: 'female', confirm_duplicate: true }, desk);
  const a = await lan.api('POST', '/api/v1/appointments', { patient_id: p.id, doctor_id: users.drasha.id, walk_in: true, video: true }, desk);
  assert.ok(a.video_session_id, 'a video appointment has its session');
  return { patient: p, appointment: a, session: a.video_session_id };
}

/** framesDecoded waits until the page's call shows inbound video frames decoded (getStats). */
async function framesDecoded(page, within) {
  const quality = page.locator('[data-testid=call-quality]');
  const deadline = Date.now() + within;
  for (;;) {
    const n = Number(await quality.getAttribute('data-frames-decoded'));
    if (n > 0) return n;
    if (Date.now() > deadline) throw new Error(`no video frames decoded within ${within} ms (state ${await page.locator('[data-testid=call]').getAttribute('data-state')})`);
    await page.waitForTimeout(200);
  }
}

async function staffPage(username) {
  const page = await newPage(browser);
  await loginUI(page, lan.base, username, PASSWORD);
  return page;
}

test('the doctor and the far-end nurse hold a video consultation; a third is refused; hang-up ends it for both', { timeout: 240_000 }, async () => {
  const desk = await lan.login('mapokezi', PASSWORD);
  const { appointment, session } = await videoVisit(desk, 'Amina');
  const doctor = await staffPage('drasha');
  const nurse = await staffPage('nesi');
  await scenario('telemed-staff', doctor, async () => {
    // The doctor joins from the video page; the nurse from her queue's "Video call" button.
    await doctor.goto(`${lan.base}/video/${session}`);
    await doctor.locator('[data-testid=call-join]').click();
    await doctor.locator('[data-testid=call][data-state=waiting]').waitFor();
    await nurse.goto(`${lan.base}/vitals`);
    await nurse.locator(`[data-testid=video-join-${appointment.id}]`).click();
    await nurse.locator('[data-testid=call-join]').click();
    const joined = Date.now();
    await Promise.all([framesDecoded(doctor, 10_000), framesDecoded(nurse, 10_000)]);
    const took = Date.now() - joined;
    assert.ok(took <= 10_000, `video both ways in ${took} ms`);
    // The doctor sees the call's quality: a round trip measured on the LAN.
    const rtt = await doctor.locator('[data-testid=call-quality]').getAttribute('data-rtt');
    assert.ok(rtt !== '' && Number(rtt) >= 0, `round trip ${rtt}`);

    // A third person (another doctor) is refused.
    const third = await staffPage('drjuma');
    await third.goto(`${lan.base}/video/${session}`);
    await third.locator('[data-testid=call-join]').click();
    await third.locator('[data-testid=call-refused]').waitFor();
    await third.context().close();

    // The encounter beside the call: the nurse enters vitals from her side, the doctor sees
    // them beside the video (live), and the call stays up.
    await doctor.locator('[data-testid=video-open-encounter]').click();
    await doctor.waitForURL(/\/video\/\d+\/encounter\/\d+$/);
    await nurse.locator('[data-testid=video-open-encounter]').click();
    await nurse.waitForURL(/\/video\/\d+\/encounter\/\d+$/);
    const form = nurse.locator('[data-testid=vitals-form]');
    for (const [name, v] of Object.entries({ systolic_bp: '152', diastolic_bp: '84', heart_rate: '88', temperature: '37,9' })) await form.locator(`input[name=${name}]`).fill(v);
    await form.locator('[data-testid=vitals-submit]').click();
    await form.locator('[data-testid=vitals-saved]').waitFor();
    await doctor.locator('[data-testid=encounter-vitals] tr[data-vitals]').first().waitFor();
    assert.equal(await doctor.locator('[data-testid=call]').getAttribute('data-state'), 'connected');
    assert.equal(await nurse.locator('[data-testid=call]').getAttribute('data-state'), 'connected');

    // The doctor hangs up: the call ends on both sides, the session is over.
    await doctor.locator('[data-testid=call-hangup]').click();
    await doctor.locator('[data-testid=call-ended]').waitFor();
    await nurse.locator('[data-testid=call-ended]').waitFor();
    const s = await lan.api('GET', `/api/v1/telemedicine/sessions/${session}`, undefined, desk);
    assert.equal(s.status, 'ended');
    assert.ok(s.started_at && s.ended_at, 'start and end recorded');
    assert.deepEqual(
      s.participants.map((p) => p.role),
      ['doctor', 'nurse'],
    );
    assert.deepEqual(doctor.jsErrors, []);
    assert.deepEqual(nurse.jsErrors, []);
  });
  await doctor.context().close();
  await nurse.context().close();
});

test('the doctor and a patient with the link reception gave hold a video consultation', { timeout: 240_000 }, async () => {
  const deskSession = await lan.login('mapokezi', PASSWORD);
  const { patient, appointment, session } = await videoVisit(deskSession, 'Baraka');
  // Reception makes the patient's link from the chart: a QR code and a short code, once.
  const desk = await staffPage('mapokezi');
  let code;
  await scenario('telemed-link', desk, async () => {
    await desk.goto(`${lan.base}/patients/${patient.id}`);
    await desk.locator(`[data-testid=video-link-${appointment.id}]`).click();
    await desk.locator('[data-testid=video-link-create]').click();
    code = await desk.locator('[data-testid=video-link-code]').getAttribute('data-code');
    assert.match(code, /^[2-9A-Z]{12}$/);
    assert.equal(await desk.locator('[data-testid=video-link-url]').innerText(), `${lan.base}/call#${code}`);
    assert.equal(await desk.locator('[data-testid=video-link-fresh] svg path').count(), 1, 'the QR code');
  });
  await desk.context().close();

  const doctor = await staffPage('drasha');
  const patientPage = await newPage(browser); // no account: the link only
  await scenario('telemed-patient', patientPage, async () => {
    await patientPage.goto(`${lan.base}/call#${code}`);
    await patientPage.locator('[data-testid=call-join]').click();
    await patientPage.locator('[data-testid=call][data-state=waiting]').waitFor();
    await doctor.goto(`${lan.base}/video/${session}`);
    await doctor.locator('[data-testid=call-join]').click();
    const joined = Date.now();
    await Promise.all([framesDecoded(doctor, 10_000), framesDecoded(patientPage, 10_000)]);
    assert.ok(Date.now() - joined <= 10_000);

    // The link is used: a second browser cannot use it again; the patient's token opens nothing else.
    const again = await lan.https('POST', '/api/v1/telemedicine/join', { code });
    assert.equal(again.status, 401);
    const elsewhere = await patientPage.evaluate(async () => {
      const token = sessionStorage.getItem('chelal.call');
      const r = await fetch('/api/v1/patients', { headers: { 'X-Telemedicine-Token': token ?? '' } });
      return r.status;
    });
    assert.equal(elsewhere, 401);

    await doctor.locator('[data-testid=call-hangup]').click();
    await doctor.locator('[data-testid=call-ended]').waitFor();
    await patientPage.locator('[data-testid=call-ended]').waitFor();
    const s = await lan.api('GET', `/api/v1/telemedicine/sessions/${session}`, undefined, deskSession);
    assert.equal(s.status, 'ended');
    assert.deepEqual(
      s.participants.map((p) => p.kind),
      ['patient', 'staff'],
    );
    assert.deepEqual(patientPage.jsErrors, []);
  });
  await doctor.context().close();
  await patientPage.context().close();
});
