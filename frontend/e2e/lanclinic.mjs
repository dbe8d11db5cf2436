// lanclinic: a Chelal serving a real LAN address over HTTPS, for the browser tests that need
// one (a secure context on a non-loopback address): a network namespace joined to this computer
// by a veth pair, Chelal inside it on 0.0.0.0, its own CA's certificate on that address, and a
// Chromium whose NSS database trusts that CA (as the welcome page tells a Linux workstation to).
// Needs root (the namespace, certutil's database in another HOME).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ADMIN, CHROMIUM, Chelal } from './harness.mjs';

export const sh = (...args) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * startLANClinic starts Chelal in a namespace at 10.77.<subnet>.1:7300 (the host side is .2)
 * and sets the clinic up. tag names the namespace and interfaces (short: interface names are
 * at most 15 characters).
 */
export async function startLANClinic({ tag, subnet, env: extraEnv = {} }) {
  if (process.getuid?.() !== 0) throw new Error('a LAN browser test needs root: a network namespace and a veth pair (run the browser tests as root, as CI does)');
  if (!existsSync('/usr/bin/certutil')) throw new Error('no certutil: apt-get install libnss3-tools (build/deps.sh browser)');
  const id = String(process.pid % 100000);
  const ns = `chelal-${tag}-${id}`;
  const hostIf = `${tag}${id}h`;
  const peerIf = `${tag}${id}s`;
  const ip = `10.77.${subnet}.1`;
  const base = `https://${ip}:7300`;
  const lan = { ns, ip, base, caPEM: '', home: '', chelal: null, browsers: [] };
  lan.stop = async () => {
    for (const b of lan.browsers) await b.close().catch(() => {});
    await lan.chelal?.stop();
    try {
      sh('ip', 'netns', 'del', ns);
    } catch {
      // never made
    }
    try {
      sh('ip', 'link', 'del', hostIf);
    } catch {
      // gone with the namespace
    }
    if (lan.home) rmSync(lan.home, { recursive: true, force: true });
  };
  try {
    await prepare(lan, { tag, ns, hostIf, peerIf, subnet, ip, base, extraEnv });
  } catch (err) {
    await lan.stop();
    throw err;
  }
  return lan;
}

async function prepare(lan, { tag, ns, hostIf, peerIf, subnet, ip, base, extraEnv }) {
  sh('ip', 'netns', 'add', ns);
  sh('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf);
  sh('ip', 'link', 'set', peerIf, 'netns', ns);
  sh('ip', 'addr', 'add', `10.77.${subnet}.2/24`, 'dev', hostIf);
  sh('ip', 'link', 'set', hostIf, 'up');
  sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', peerIf);
  sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', peerIf, 'up');

  /** https calls the clinic over HTTPS trusting only its CA; session: { cookie, csrf }. */
  lan.https = (method, path, body, session) =>
    new Promise((ok, fail) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers = { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}) };
      if (session?.cookie) headers.Cookie = session.cookie;
      if (session?.csrf && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
      const req = request(base + path, { method, ca: lan.caPEM, headers, timeout: 10_000 }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => ok({ status: res.statusCode, headers: res.headers, text, json: text.startsWith('{') ? JSON.parse(text) : null }));
      });
      req.on('error', fail);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      if (data) req.write(data);
      req.end();
    });
  /** api is https that fails on an error status and answers the JSON. */
  lan.api = async (method, path, body, session) => {
    const r = await lan.https(method, path, body, session);
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  lan.login = async (username, password) => {
    const r = await lan.https('POST', '/api/v1/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
    const cookie = [].concat(r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    return { cookie, csrf: r.json.csrf_token, user: r.json.user };
  };

  const chelal = await Chelal.create();
  lan.chelal = chelal;
  const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', CHELAL_DATA_DIR: chelal.dataDir, CHELAL_LAN_NAME: `kliniki-${tag}`, CHELAL_MDNS: 'off', CHELAL_BACKUP_SCHEDULE: 'off', ...extraEnv };
  const proc = spawn('ip', ['netns', 'exec', ns, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', chelal.bin, 'serve', '--addr', '0.0.0.0:7300'], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  chelal.proc = proc;
  chelal.exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  proc.stdout.on('data', (b) => (chelal.log += b));
  proc.stderr.on('data', (b) => (chelal.log += b));
  lan.caFile = join(chelal.dataDir, 'lan', 'ca.crt');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no HTTPS health within 120 s:\n${chelal.log}`);
    if (proc.exitCode !== null) throw new Error(`chelal exited:\n${chelal.log}`);
    if (!lan.caPEM && existsSync(lan.caFile)) lan.caPEM = readFileSync(lan.caFile, 'utf8');
    if (lan.caPEM) {
      try {
        if ((await lan.https('GET', '/api/v1/health')).status === 200) break;
      } catch {
        // not listening yet
      }
    }
    await sleep(100);
  }
  const setup = await lan.https('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Mtandao', ...ADMIN });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${setup.text}`);

  // A workstation that installed the clinic's CA: its NSS database, in its own HOME.
  lan.home = mkdtempSync(join(tmpdir(), 'chelal-ui-home-'));
  const nssdb = join(lan.home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  sh('certutil', '-d', `sql:${nssdb}`, '-N', '--empty-password');
  sh('certutil', '-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'Chelal clinic CA', '-i', lan.caFile);

  /** trustingBrowser launches a Chromium that trusts the clinic's CA (args: more flags). */
  lan.trustingBrowser = async (args = []) => {
    const b = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      env: { ...process.env, HOME: lan.home },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...args],
    });
    lan.browsers.push(b);
    return b;
  };
}
