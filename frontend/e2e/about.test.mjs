// About Chelal and the update from file. With the usual build (no release key): an
// administrator opens About Chelal from the user menu and sees the version, the PostgreSQL
// and why updates from file are refused here; a doctor has no About. Then a Chelal built with a
// test release key (go build -ldflags -X, into a folder its user may write): a changed
// executable is refused and nothing is replaced; the signed newer one is uploaded, put in
// place with the old one kept as chelal.old, the screen says to restart Chelal, and after the
// restart the new version answers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN, Chelal, cleanup, freePort, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const NOBODY = 65534;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const DOCTOR = { username: 'juma', password: 'daktari-salama-1', first_name: 'Juma', last_name: 'Kariuki', email: 'juma@clinic.test' };

let browser;
let work;
before(async () => {
  browser = await launchBrowser();
  work = mkdtempSync(join(tmpdir(), 'chelal-ui-update-'));
  chmodSync(work, 0o755);
});
after(async () => {
  await browser?.close();
  await cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

// The release key of these tests, and signatures as build/releasekey makes them
// (internal/update/signature.go documents the format).
const keys = generateKeyPairSync('ed25519');
const rawPublic = keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
const platform = `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`;
function signatureFile(bytes) {
  const sum = createHash('sha256').update(bytes).digest();
  const msg = Buffer.concat([Buffer.from(`chelal release signature v1\0${platform}\0`), sum]);
  const sig = sign(null, msg, keys.privateKey);
  const keyId = createHash('sha256').update(rawPublic).digest().subarray(0, 8).toString('hex');
  return `chelal-signature 1\nplatform ${platform}\nsha256 ${sum.toString('hex')}\nkey ${keyId}\nsignature ${sig.toString('base64')}\n`;
}

/** build links Chelal (UI in frontend/dist) with the test key and version into out. */
function build(out, version) {
  const ldflags = `-X main.version=${version} -X chelal/internal/update.releaseKey=${rawPublic.toString('base64')}`;
  execFileSync(process.env.GO ?? 'go', ['build', '-ldflags', ldflags, '-o', out, '.'], {
    cwd: root,
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function openAbout(page) {
  await page.locator('[data-testid=user-menu]').click();
  await page.locator('[data-testid=about-link]').click();
  await page.waitForURL((u) => u.pathname === '/about');
  await page.locator('[data-testid=about-facts]').waitFor();
}

test('About Chelal: the version and PostgreSQL; a build without a release key refuses updates; not for a doctor', { timeout: 180_000 }, async () => {
  const chelal = await Chelal.create();
  await chelal.start();
  const admin = await chelal.setup();
  const roleId = await chelal.roleId(admin, 'doctor');
  await chelal.api('POST', '/api/v1/users', { ...DOCTOR, role_id: roleId }, admin);
  const { json: health } = await chelal.api('GET', '/api/v1/health');

  const page = await newPage(browser);
  await scenario('about-blocked', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await openAbout(page);
    assert.equal(await page.locator('[data-testid=about-version]').textContent(), health.version);
    assert.match(await page.locator('[data-testid=about-postgres]').textContent(), /^18\.\d+ \(inside Chelal\)$/);
    await page.locator('[data-testid=update-blocked]').getByText('built without a release key').waitFor();
    assert.equal(await page.locator('input[type=file]').count(), 0, 'no file to choose when updates are refused');
    assert.deepEqual(page.jsErrors, []);
  });
  const doc = await newPage(browser);
  await scenario('about-doctor', doc, async () => {
    await loginUI(doc, chelal.url, DOCTOR.username, DOCTOR.password);
    await doc.locator('[data-testid=user-menu]').click();
    await doc.locator('[data-testid=logout]').waitFor();
    assert.equal(await doc.locator('[data-testid=about-link]').count(), 0, 'a doctor has no About Chelal');
  });
  await chelal.stop();
});

test('update from file: a changed executable is refused, the signed one is installed, and runs after the restart', { timeout: 600_000 }, async () => {
  // Chelal's folder, writable by the user it runs as (as a per-user Windows install is).
  const dir = join(work, 'app');
  mkdirSync(dir, { mode: 0o755 });
  const bin = join(dir, 'chelal');
  build(bin, 'v1.0.0-e2e');
  const data = join(work, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (isRoot) {
    chownSync(dir, NOBODY, NOBODY);
    chownSync(bin, NOBODY, NOBODY);
    chownSync(data, NOBODY, NOBODY);
  }
  // The USB stick: the newer executable, its signature, and a copy with one byte changed.
  const usb = join(work, 'usb');
  mkdirSync(usb);
  const candidate = join(usb, 'chelal-v9.9.9-e2e-linux-x64');
  build(candidate, 'v9.9.9-e2e');
  const newBytes = readFileSync(candidate);
  writeFileSync(candidate + '.sig', signatureFile(newBytes));
  const changed = Buffer.from(newBytes);
  changed[changed.length >> 1] ^= 1;
  const tampered = join(usb, 'chelal-changed');
  writeFileSync(tampered, changed, { mode: 0o755 });
  const oldBytes = readFileSync(bin);

  const chelal = new Chelal(bin, data, await freePort());
  await chelal.start();
  await chelal.setup();
  const page = await newPage(browser);
  await scenario('about-update', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await openAbout(page);
    assert.equal(await page.locator('[data-testid=about-version]').textContent(), 'v1.0.0-e2e');
    const [exeInput, sigInput] = [page.locator('input[type=file]').nth(0), page.locator('input[type=file]').nth(1)];

    // A changed executable with the release's signature: refused, nothing replaced.
    await exeInput.setInputFiles(tampered);
    await sigInput.setInputFiles(candidate + '.sig');
    await page.locator('[data-testid=update-install]').click();
    await page.locator('[data-testid=update-failed]').getByText('does not match its signature').waitFor({ timeout: 60_000 });
    assert.ok(readFileSync(bin).equals(oldBytes), 'the running executable is unchanged');
    assert.throws(() => statSync(bin + '.old'), 'no .old after a refusal');
    assert.throws(() => statSync(bin + '.new'), 'no .new left after a refusal');

    // The signed newer executable: installed beside the running one.
    await exeInput.setInputFiles(candidate);
    await page.locator('[data-testid=update-install]').click();
    const done = page.locator('[data-testid=update-done]');
    await done.getByText('Restart Chelal to finish').waitFor({ timeout: 120_000 });
    await done.getByText('Chelal v9.9.9-e2e is in place').waitFor();
    assert.equal(await page.locator('[data-testid=update-failed]').count(), 0);
    assert.ok(readFileSync(bin).equals(newBytes), 'the new executable is in place');
    assert.ok(readFileSync(bin + '.old').equals(oldBytes), 'the previous one is kept as chelal.old');
    assert.equal(statSync(bin).mode & 0o777, 0o755);
    // the running server goes on (the old code) until the restart
    const { json: before } = await chelal.api('GET', '/api/v1/health');
    assert.equal(before.version, 'v1.0.0-e2e');
    assert.deepEqual(page.jsErrors, []);
  });

  // Restart Chelal: the new executable starts on the same records.
  await chelal.stop();
  await chelal.start();
  const { json: health } = await chelal.api('GET', '/api/v1/health');
  assert.equal(health.version, 'v9.9.9-e2e');
  await chelal.login(ADMIN.username, ADMIN.password);
  await chelal.stop();
});
