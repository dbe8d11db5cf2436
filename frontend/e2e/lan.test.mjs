// The clinic's LAN over HTTPS, as a workstation sees it: Chelal serves a real LAN address
// (10.77.1.1, inside a network namespace joined to this computer by a veth pair), and a
// Chromium whose NSS database trusts the clinic's CA (installed with certutil, as the welcome
// page tells a Linux workstation to) logs in, finds a secure context (camera and microphone
// API present) and a Secure session cookie; plain HTTP is redirected to HTTPS, /welcome shows
// the CA's fingerprint, and a Chromium that does not trust the CA is stopped at the certificate.
// Needs root (network namespace, certutil's database for another HOME).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ADMIN, CHROMIUM, Chelal, cleanup, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';

const id = String(process.pid % 100000);
const NS = `chelal-ui-${id}`;
const HOST_IF = `chu${id}h`;
const PEER_IF = `chu${id}s`;
const SERVER_IP = '10.77.1.1';
const PORT = 7300;
const BASE = `https://${SERVER_IP}:${PORT}`;
const PLAIN = `http://${SERVER_IP}:${PORT}`;

const sh = (...args) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let chelal;
let caPEM;
let trusting; // Chromium with the clinic CA in its NSS database
let untrusting; // Chromium as it comes
let home;

/** https calls the API over HTTPS trusting only the clinic CA. */
function https(method, path, body) {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(BASE + path, { method, ca: caPEM, headers: data ? { 'Content-Type': 'application/json' } : {}, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (data) req.write(data);
    req.end();
  });
}

before(async () => {
  if (process.getuid?.() !== 0) throw new Error('lan.test.mjs needs root: a network namespace and a veth pair (run the browser tests as root, as CI does)');
  if (!existsSync('/usr/bin/certutil')) throw new Error('no certutil: apt-get install libnss3-tools (build/deps.sh browser)');
  sh('ip', 'netns', 'add', NS);
  sh('ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', PEER_IF);
  sh('ip', 'link', 'set', PEER_IF, 'netns', NS);
  sh('ip', 'addr', 'add', '10.77.1.2/24', 'dev', HOST_IF);
  sh('ip', 'link', 'set', HOST_IF, 'up');
  sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  sh('ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${SERVER_IP}/24`, 'dev', PEER_IF);
  sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', PEER_IF, 'up');

  chelal = await Chelal.create();
  const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', CHELAL_DATA_DIR: chelal.dataDir, CHELAL_LAN_NAME: 'kliniki-ui', CHELAL_MDNS: 'off', CHELAL_BACKUP_SCHEDULE: 'off' };
  const proc = spawn('ip', ['netns', 'exec', NS, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', chelal.bin, 'serve', '--addr', `0.0.0.0:${PORT}`], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  chelal.proc = proc;
  chelal.exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  proc.stdout.on('data', (b) => (chelal.log += b));
  proc.stderr.on('data', (b) => (chelal.log += b));
  const caFile = join(chelal.dataDir, 'lan', 'ca.crt');
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no HTTPS health within 90 s:\n${chelal.log}`);
    if (proc.exitCode !== null) throw new Error(`chelal exited:\n${chelal.log}`);
    if (!caPEM && existsSync(caFile)) caPEM = readFileSync(caFile, 'utf8');
    if (caPEM) {
      try {
        if ((await https('GET', '/api/v1/health')).status === 200) break;
      } catch {
        // not listening yet
      }
    }
    await sleep(100);
  }
  const setup = await https('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Mtandao', ...ADMIN });
  assert.equal(setup.status, 201, setup.text);

  // A workstation that installed the clinic's CA: its NSS database, in its own HOME.
  home = mkdtempSync(join(tmpdir(), 'chelal-ui-home-'));
  const nssdb = join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  sh('certutil', '-d', `sql:${nssdb}`, '-N', '--empty-password');
  sh('certutil', '-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'Chelal clinic CA', '-i', caFile);
  trusting = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: home },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  untrusting = await launchBrowser();
});

after(async () => {
  await trusting?.close();
  await untrusting?.close();
  await chelal?.stop();
  await cleanup();
  try {
    sh('ip', 'netns', 'del', NS);
  } catch {
    // never made
  }
  try {
    sh('ip', 'link', 'del', HOST_IF);
  } catch {
    // gone with the namespace
  }
  if (home) rmSync(home, { recursive: true, force: true });
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
