// The browser tests' harness: a fresh `chelal serve` per test file (loopback, free port, temp
// data dir, run as nobody when we are root), Debian's Chromium through playwright-core, a
// screenshot when a scenario fails, TOTP codes, and clean-up of every process started.
import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const NOBODY = 65534;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export const CHELAL_BIN = resolve(here, '..', process.env.CHELAL_BIN ?? '../bin/chelal');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(here, 'screenshots');

const started = new Set(); // every Chelal of this process, for the exit hook
const workDirs = new Set();

/** workDir is a temp folder (mode 755) holding this file's binary copy and data dirs. */
function newWorkDir() {
  const dir = mkdtempSync(join(tmpdir(), 'chelal-ui-e2e-'));
  chmodSync(dir, 0o755);
  workDirs.add(dir);
  return dir;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * serverZone is the server's TZ: CHELAL_E2E_SERVER_TZ, else this process's TZ (which Chromium
 * inherits too), else none (the machine's zone). The clinic's clock defaults to the machine's
 * zone, so `TZ=Etc/GMT-5 node --test e2e/x.test.mjs` runs a scenario at another wall-clock time
 * of the clinic (Etc zones have the sign inverted) without faking time, and
 * CHELAL_E2E_SERVER_TZ alone gives the server a zone other than the browser's.
 */
function serverZone() {
  const tz = process.env.CHELAL_E2E_SERVER_TZ || process.env.TZ;
  return tz ? { TZ: tz } : {};
}

/** Chelal is one `chelal serve` on 127.0.0.1:port with its own data dir. */
export class Chelal {
  /** create prepares a Chelal; env adds settings (e.g. CHELAL_SESSION_IDLE_MINUTES). */
  static async create({ env = {} } = {}) {
    if (!existsSync(CHELAL_BIN)) {
      throw new Error(`no Chelal binary at ${CHELAL_BIN}: build it (make build, or CGO_ENABLED=0 go build -o bin/chelal .) or set CHELAL_BIN`);
    }
    const work = newWorkDir();
    // a copy nobody can execute wherever the checkout is (root's home is not theirs)
    const bin = join(work, 'chelal');
    copyFileSync(CHELAL_BIN, bin);
    chmodSync(bin, 0o755);
    const data = join(work, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (isRoot) chownSync(data, NOBODY, NOBODY);
    return new Chelal(bin, data, await freePort(), env);
  }

  constructor(bin, dataDir, port, env = {}) {
    this.extraEnv = env;
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = '';
  }

  /** start launches serve (again, on the same data dir and port) and waits until /health is 200. */
  async start(timeoutMs = 90_000) {
    const args = ['serve', '--addr', `127.0.0.1:${this.port}`];
    const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', CHELAL_DATA_DIR: this.dataDir, ...serverZone(), ...this.extraEnv };
    const [cmd, argv] = isRoot
      ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', this.bin, ...args]]
      : [this.bin, args];
    const proc = spawn(cmd, argv, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    started.add(this);
    const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    this.exited = exited;
    proc.stdout.on('data', (b) => (this.log += b));
    proc.stderr.on('data', (b) => (this.log += b));
    const deadline = Date.now() + timeoutMs;
    let done = false;
    void exited.then(() => (done = true));
    while (Date.now() < deadline) {
      if (done) throw new Error(`chelal exited before it was healthy:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) {
          await this.checkUI();
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`chelal was not healthy within ${timeoutMs} ms:\n${this.log}`);
  }

  /** checkUI fails fast when the binary was built without the UI (dist/ held only .gitkeep). */
  async checkUI() {
    const html = await (await fetch(`${this.url}/`)).text();
    if (!html.includes('id="root"') || !html.includes('/assets/')) {
      throw new Error(`${CHELAL_BIN} serves no built UI: run \`npm run build\` in frontend/, then rebuild the binary (go build embeds frontend/dist)`);
    }
  }

  /** kill sends SIGKILL to the whole process group (a power cut, as far as Chelal knows). */
  async kill() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }

  /** stop asks for a clean exit (SIGTERM), then kills what is left, postgres included. */
  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(-this.proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const t = setTimeout(() => {
        try {
          process.kill(-this.proc.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, 20_000);
      await this.exited;
      clearTimeout(t);
    }
    this.stopOrphanPostgres();
    started.delete(this);
  }

  /** A postgres left running by a killed Chelal is in its own process group: stop it by its pid file. */
  stopOrphanPostgres() {
    let pid = 0;
    try {
      pid = Number(readFileSync(join(this.dataDir, 'pg', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return;
    }
    if (!(pid > 0)) return;
    for (const sig of ['SIGQUIT', 'SIGKILL']) {
      try {
        process.kill(pid, sig);
      } catch {
        return;
      }
    }
  }

  /** api calls the API directly (setup, fixtures) with a cookie jar of its own. */
  async api(method, path, body, session) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (session?.cookie) headers.Cookie = session.cookie;
    if (session?.csrf && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
    const res = await fetch(this.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { res, json };
  }

  /** setup names the clinic and creates the first administrator, and logs them in. */
  async setup(admin = ADMIN) {
    await this.api('POST', '/api/v1/setup', { clinic_name: 'Kliniki ya Majaribio', ...admin });
    return this.login(admin.username, admin.password);
  }

  async login(username, password, otp) {
    const { res, json } = await this.api('POST', '/api/v1/auth/login', { username, password, ...(otp ? { otp } : {}) });
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { cookie, csrf: json.csrf_token, user: json.user };
  }

  async roleId(session, name) {
    const { json } = await this.api('GET', '/api/v1/roles', undefined, session);
    const role = json.items.find((r) => r.name === name);
    if (!role) throw new Error(`no role ${name}`);
    return role.id;
  }
}

export const ADMIN = { username: 'admin', password: 'amani-kwa-wote-2026', first_name: 'Zawadi', last_name: 'Mwangi', email: 'admin@clinic.test' };

/** cleanup kills every Chelal this process started and removes the temp folders. */
export async function cleanup() {
  for (const c of [...started]) await c.stop();
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
  workDirs.clear();
}

// Whatever happens (a failed assertion, Ctrl+C), no Chelal outlives the tests.
process.once('exit', () => {
  for (const c of started) {
    try {
      if (c.proc) process.kill(-c.proc.pid, 'SIGKILL');
    } catch {
      // gone
    }
    c.stopOrphanPostgres();
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));

/**
 * withClinic registers the node:test hooks most files need: before the tests, a fresh Chelal
 * set up with ADMIN and a browser; after them, both closed. The returned object is filled in by
 * the time the tests run: `const clinic = withClinic(); ... clinic.chelal.url`.
 */
export function withClinic() {
  const clinic = { chelal: undefined, browser: undefined, admin: undefined };
  before(async () => {
    clinic.chelal = await Chelal.create();
    await clinic.chelal.start();
    clinic.admin = await clinic.chelal.setup();
    clinic.browser = await launchBrowser();
  });
  after(async () => {
    await clinic.browser?.close();
    await cleanup();
  });
  return clinic;
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** newPage opens a page in a fresh context (own cookies and storage) in English. */
export async function newPage(browser, { locale = 'en-GB' } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) errors.push(m.text());
  });
  page.jsErrors = errors;
  return page;
}

/** scenario runs fn; when it throws, it saves a screenshot to e2e/screenshots/<name>.png first. */
export async function scenario(name, page, fn) {
  try {
    await fn();
  } catch (err) {
    try {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '_')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.error(`screenshot of the failure: ${file}`);
    } catch (shotErr) {
      console.error(`no screenshot: ${shotErr}`);
    }
    throw err;
  }
}

// RFC 4648 base32 and RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits), as authenticator apps do.
function base32(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** totp is the code for the 30-second step `step` (default: now). */
export function totp(secret, step = Math.floor(Date.now() / 1000 / 30)) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const off = h[h.length - 1] & 0x0f;
  const n = (h.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 1000 / 30);

/** loginUI logs in through the login screen (no 2FA). */
export async function loginUI(page, url, username, password) {
  await page.goto(url + '/');
  await page.locator('[data-testid=login-form] input[name=username]').fill(username);
  await page.locator('[data-testid=login-form] input[name=password]').fill(password);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=main-nav]').waitFor();
}

/** logoutUI logs out through the user menu. */
export async function logoutUI(page) {
  await page.locator('[data-testid=user-menu]').click();
  await page.locator('[data-testid=logout]').click();
  await page.locator('[data-testid=login-form]').waitFor();
}

/** navAreas lists the areas the navigation shows (data-area of its links). */
export async function navAreas(page) {
  return page.locator('[data-testid=main-nav] [data-area]').evaluateAll((els) => els.map((e) => e.getAttribute('data-area')));
}

/**
 * clearOfSlotStart waits, when a slot begins within marginMs, until it has begun. A slot the UI
 * proposes or shows free is refused by the server once its start has passed ("That time has
 * passed"), so a step that reads a free slot and books it within marginMs does not run across a
 * slot's start. Slots (15 minutes) begin at multiples of 15 minutes of UTC in every clinic zone
 * (their offsets are whole quarter hours), so the clinic's zone is not needed.
 */
export async function clearOfSlotStart(marginMs, slotMinutes = 15) {
  const slot = slotMinutes * 60_000;
  const left = slot - (Date.now() % slot);
  if (left < marginMs) await sleep(left + 250);
}

/**
 * bookFirstFree books from an open chart as the desk does: `b` opens the booking with the
 * doctor's first free slot proposed and the doctor's field focused, Enter books it. Not in the
 * last seconds before a slot begins (proposed then, it has passed by the Enter). It returns
 * the slot booked, { date, time }.
 */
export async function bookFirstFree(page) {
  await clearOfSlotStart(15_000);
  await page.locator('h2').first().click();
  await page.keyboard.press('b');
  const book = page.locator('[data-testid=book-form]');
  await book.locator('[data-testid=first-free]').waitFor();
  const date = await book.locator('input[name=date]').inputValue();
  const time = await book.locator('select[name=time]').inputValue();
  if (!/^\d\d:[0-5][05]$/.test(time)) throw new Error(`the first free slot's time: ${time}`);
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('name'));
  if (focused !== 'doctor_id') throw new Error(`the booking's focus is on ${focused}, not the doctor`);
  await page.keyboard.press('Enter');
  await book.waitFor({ state: 'detached' });
  return { date, time };
}

/**
 * fillDate types an ISO day ('2026-12-02'; '' clears) into a date field (the visible input:
 * [data-date=<name>] or its data-testid) as a user would, in the field's displayed format
 * (DD/MM/YYYY unless the clinic chose another), then leaves the field so its calendar closes.
 * The value the form sends is the ISO day: the hidden input[name=<name>] holds it.
 */
export async function fillDate(locator, iso, format = 'DD/MM/YYYY') {
  const [y, m, d] = iso ? iso.split('-') : [];
  await locator.fill(iso ? format.replace('DD', d).replace('MM', m).replace('YYYY', y) : '');
  await locator.blur();
}
