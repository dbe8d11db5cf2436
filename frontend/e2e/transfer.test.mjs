// A workstation's first visit on the clinic's weak Wi-Fi: the login page's cold load moves less
// than 350 kB (the bytes on the wire, headers included, as Chromium counts them), its assets come
// precompressed, and no chart code is fetched before a screen draws a chart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const BUDGET = 350 * 1024;

test('the login page cold load is small, compressed and free of chart code', { timeout: 120_000 }, async () => {
  const page = await newPage(clinic.browser);
  await scenario('transfer', page, async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const responses = new Map(); // requestId -> { url, encoding }
    let onWire = 0;
    cdp.on('Network.responseReceived', (e) => {
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      responses.set(e.requestId, { url: e.response.url, encoding: h['content-encoding'] ?? '' });
    });
    cdp.on('Network.loadingFinished', (e) => {
      onWire += e.encodedDataLength;
    });

    await page.goto(clinic.chelal.url + '/');
    await page.locator('[data-testid=login-form] input[name=username]').waitFor();
    await page.waitForLoadState('networkidle');

    const urls = [...responses.values()];
    const scripts = urls.filter((r) => /\/assets\/.+\.js$/.test(r.url));
    assert.ok(scripts.length > 0, 'the login page loads its scripts');
    for (const r of urls.filter((r) => /\/assets\//.test(r.url))) {
      assert.equal(r.encoding, 'br', `${r.url} is sent brotli-compressed`);
    }
    assert.ok(!urls.some((r) => /\/assets\/(charts|Shell|screens)-/.test(r.url)), `no chart or in-app code on the login page: ${urls.map((r) => r.url).join(', ')}`);
    console.log(`login page cold load: ${(onWire / 1024).toFixed(1)} kB on the wire in ${urls.length} responses`);
    assert.ok(onWire < BUDGET, `login page cold load ${onWire} bytes, budget ${BUDGET}`);

    // the screens behind the login still load (lazily) once signed in
    await page.locator('[data-testid=login-form] input[name=username]').fill(ADMIN.username);
    await page.locator('[data-testid=login-form] input[name=password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=main-nav]').waitFor();
    assert.ok([...responses.values()].some((r) => /\/assets\/Shell-/.test(r.url)), 'the app shell was fetched after login');
    assert.deepEqual(page.jsErrors, []);
  });
});
