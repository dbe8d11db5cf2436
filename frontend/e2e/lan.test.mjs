// The clinic's LAN over HTTPS, as a workstation sees it: Chelal serves a real LAN address
// (10.77.1.1, inside a network namespace joined to this computer by a veth pair), and a
// Chromium whose NSS database trusts the clinic's CA (installed with certutil, as the welcome
// page tells a Linux workstation to) logs in, finds a secure context (camera and microphone
// API present) and a Secure session cookie; plain HTTP is redirected to HTTPS, /welcome shows
// the CA's fingerprint, and a Chromium that does not trust the CA is stopped at the certificate.
// Needs root (network namespace, certutil's database for another HOME).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADMIN, cleanup, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';
import { startLANClinic } from './lanclinic.mjs';

let lan; // Chelal on 10.77.1.1 in its namespace (lanclinic.mjs)
let BASE;
let PLAIN;
let caPEM;
let trusting; // Chromium with the clinic CA in its NSS database
let untrusting; // Chromium as it comes

before(async () => {
  lan = await startLANClinic({ tag: 'chu', subnet: 1 });
  BASE = lan.base;
  PLAIN = `http://${lan.ip}:7300`;
  caPEM = lan.caPEM;
  trusting = await lan.trustingBrowser();
  untrusting = await launchBrowser();
});

after(async () => {
  await untrusting?.close();
  await lan?.stop();
  await cleanup();
});

test('a workstation that trusts the clinic CA logs in over HTTPS in a secure context', { timeout: 120_000 }, async () => {
  const page = await newPage(trusting);
  await scenario('lan-https', page, async () => {
    await loginUI(page, BASE, ADMIN.username, ADMIN.password);
    assert.ok(page.url().startsWith(BASE + '/'), page.url());
    assert.equal(await page.evaluate(() => window.isSecureContext), true, 'HTTPS from the clinic CA is a secure context');
    assert.equal(await page.evaluate(() => typeof navigator.mediaDevices?.getUserMedia), 'function', 'camera and microphone API present (telemedicine)');
    const session = (await page.context().cookies(BASE)).find((c) => c.name === 'chelal_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.secure, true, 'the session cookie is Secure');
    assert.deepEqual(page.jsErrors, []);
  });
});

test('plain HTTP is redirected to HTTPS; /welcome shows the CA fingerprint to compare', { timeout: 60_000 }, async () => {
  const page = await newPage(trusting);
  await scenario('lan-plain', page, async () => {
    const res = await page.goto(PLAIN + '/');
    assert.ok(page.url().startsWith(BASE + '/'), `plain HTTP ended at ${page.url()}`);
    assert.equal(res.status(), 200);
    assert.equal(await page.evaluate(() => window.isSecureContext), true);

    await page.goto(PLAIN + '/welcome');
    assert.ok(page.url().startsWith(PLAIN + '/welcome'), 'the welcome page stays on plain HTTP');
    const fingerprint = new X509Certificate(caPEM).fingerprint256;
    assert.equal((await page.locator('#fingerprint').innerText()).trim(), fingerprint);
    assert.equal(await page.locator('#download').getAttribute('href'), '/welcome/chelal-ca.crt');
    assert.equal(await page.locator('#open').getAttribute('href'), BASE + '/');
  });
});

test('a browser that does not trust the clinic CA is stopped at the certificate', { timeout: 60_000 }, async () => {
  const page = await newPage(untrusting);
  await assert.rejects(page.goto(BASE + '/'), /ERR_CERT_AUTHORITY_INVALID/);
});
