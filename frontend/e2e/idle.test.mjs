// Automatic logoff: a minute's warning before the idle timeout (15 minutes, or the server's
// session_idle_seconds), then back to the login screen. The page's clock is driven by the
// test; the server's session is real.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, launchBrowser, loginUI, newPage, scenario } from './harness.mjs';

let chelal;
let short; // a server whose sessions end after 5 idle minutes
let browser;

before(async () => {
  chelal = await Chelal.create();
  short = await Chelal.create({ env: { CHELAL_SESSION_IDLE_MINUTES: '5' } });
  await Promise.all([chelal.start(), short.start()]);
  await Promise.all([chelal.setup(), short.setup()]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cleanup();
});

test('warning a minute before the idle timeout, activity keeps the session, then logoff', { timeout: 120_000 }, async () => {
  const page = await newPage(browser);
  await scenario('idle', page, async () => {
    await page.clock.install();
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    const warning = page.getByRole('dialog', { name: 'Are you still there?' });

    await page.clock.runFor('13:50');
    assert.equal(await warning.count(), 0, 'no warning before the last minute');
    await page.clock.runFor('00:15');
    await warning.waitFor();
    assert.match(await warning.innerText(), /logged off in \d+ seconds/);

    // "Stay logged in" (Enter: it has the focus) restarts the clock
    await page.keyboard.press('Enter');
    await warning.waitFor({ state: 'detached' });
    await page.clock.runFor('14:05');
    await warning.waitFor();

    // nobody there: logged off at 15 minutes, the drafts kept, the reason shown
    await page.clock.runFor('01:00');
    await page.locator('[data-testid=login-form]').waitFor();
    await page.getByText('You were logged off after 15 minutes without activity.', { exact: false }).waitFor();

    // the session really ended on the server
    const cookies = await page.context().cookies();
    const res = await fetch(chelal.url + '/api/v1/auth/me', { headers: { Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
    assert.equal(res.status, 401);
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});

test('the logoff follows the server\'s idle timeout (session_idle_seconds)', { timeout: 120_000 }, async () => {
  const page = await newPage(browser);
  await scenario('idle-short', page, async () => {
    await page.clock.install();
    await loginUI(page, short.url, ADMIN.username, ADMIN.password);
    const warning = page.getByRole('dialog', { name: 'Are you still there?' });
    await page.clock.runFor('03:50');
    assert.equal(await warning.count(), 0, 'no warning before the last minute');
    await page.clock.runFor('00:15');
    await warning.waitFor();
    await page.clock.runFor('01:00');
    await page.locator('[data-testid=login-form]').waitFor();
    await page.getByText('You were logged off after 5 minutes without activity.', { exact: false }).waitFor();
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});

test('background refreshes do not keep the session alive; the user\'s own requests do', { timeout: 120_000 }, async () => {
  const page = await newPage(browser);
  await scenario('idle-activity', page, async () => {
    await page.clock.install();
    const seen = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) seen.push({ method: r.method(), path: u.pathname, activity: r.headers()['x-chelal-activity'] ?? null });
    });
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    assert.equal(seen.find((r) => r.path === '/api/v1/auth/login')?.activity, 'user', 'logging in is the user\'s action');

    // Nobody at the keyboard: the screens follow the live event stream (no polling while it is
    // up), and neither it nor any background request says it is the user.
    await page.clock.runFor('00:10');
    const stream = seen.find((r) => r.path === '/api/v1/events');
    assert.ok(stream, 'the shell opened the event stream');
    assert.equal(stream.activity, null, 'the event stream is not the user\'s activity');
    seen.length = 0;
    for (let i = 0; i < 3; i++) {
      await page.clock.runFor('01:01');
      await new Promise((r) => setTimeout(r, 500)); // (real time) a refresh would be answered
    }
    const polls = seen.filter((r) => r.path === '/api/v1/notifications');
    assert.equal(polls.length, 0, `the bell polled ${polls.length} times in 3 minutes while live updates work`);
    assert.deepEqual(seen.filter((r) => r.activity !== null), [], 'background requests are not marked as the user\'s');

    // A click: the reads it causes are the user's.
    seen.length = 0;
    await page.locator('[data-testid=main-nav] [data-area=users]').click();
    await page.locator('[data-testid=users-table]').waitFor();
    const users = seen.find((r) => r.path === '/api/v1/users');
    assert.equal(users?.activity, 'user', 'the Users page loaded on a click is the user\'s');

    // Activity without requests (typing, reading with the mouse): the keepalive tells the server.
    await page.clock.runFor('00:10');
    seen.length = 0;
    await page.mouse.move(200, 300);
    await page.mouse.move(220, 310);
    await page.clock.runFor('01:05');
    const keepalive = seen.find((r) => r.path === '/api/v1/auth/me');
    assert.equal(keepalive?.activity, 'user', 'the keepalive says the user is there');
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});
