// Setup wizard -> login -> create a receptionist -> logout -> login as the receptionist ->
// the navigation shows only the reception areas. Driven with the keyboard where a person
// would type.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, launchBrowser, loginUI, logoutUI, navAreas, newPage, scenario } from './harness.mjs';

let chelal;
let browser;

before(async () => {
  chelal = await Chelal.create();
  await chelal.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cleanup();
});

test('first run, an administrator creates a receptionist who sees only reception areas', { timeout: 180_000 }, async () => {
  const page = await newPage(browser);
  await scenario('roles', page, async () => {
    // The setup wizard, with the keyboard only: type, Enter to go on.
    await page.goto(chelal.url + '/');
    const setup = page.locator('[data-testid=setup-form]');
    await setup.waitFor();
    await page.keyboard.press('Enter'); // empty clinic name: refused beside the field
    await setup.getByText('This field is required.').waitFor();
    await page.keyboard.type('Kliniki ya Amani');
    await page.keyboard.press('Enter');
    await setup.locator('input[name=first_name]').waitFor();
    await page.keyboard.type(ADMIN.first_name); // the step's first field has the focus
    await setup.locator('input[name=last_name]').fill(ADMIN.last_name);
    await setup.locator('input[name=username]').fill(ADMIN.username);
    await setup.locator('input[name=email]').fill(ADMIN.email);
    await page.keyboard.press('Enter');
    await setup.locator('input[name=password]').fill('too short');
    await setup.locator('input[name=confirm_password]').fill('too short');
    await page.keyboard.press('Enter');
    await setup.getByText('The password must have at least 12 characters.').waitFor();
    await setup.locator('input[name=password]').fill(ADMIN.password);
    await setup.locator('input[name=confirm_password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');

    // Logged in as the administrator: every area, users and audit included.
    await page.locator('[data-testid=main-nav]').waitFor();
    assert.equal(await page.locator('[data-testid=user-name]').innerText(), `${ADMIN.first_name} ${ADMIN.last_name}`);
    assert.equal(await page.locator('[data-testid=user-role]').innerText(), 'Administrator');
    const adminAreas = await navAreas(page);
    for (const a of ['users', 'audit', 'patients', 'pharmacy', 'billing', 'backups']) assert.ok(adminAreas.includes(a), `admin sees ${a}`);

    // Log out and in again through the login screen.
    await logoutUI(page);
    await page.locator('[data-testid=login-form] input[name=username]').fill(ADMIN.username);
    await page.locator('[data-testid=login-form] input[name=password]').fill('wrong password!');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=login-error]').getByText('Wrong username or password.').waitFor();
    await page.locator('[data-testid=login-form] input[name=password]').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=main-nav]').waitFor();

    // Create a receptionist.
    await page.locator('[data-testid=main-nav] [data-area=users]').click();
    await page.locator('[data-testid=users-table]').getByText(ADMIN.username, { exact: true }).waitFor();
    await page.locator('[data-testid=new-user]').click();
    const form = page.locator('[data-testid=user-create-form]');
    await form.locator('input[name=first_name]').fill('Neema');
    await form.locator('input[name=last_name]').fill('Otieno');
    await form.locator('input[name=username]').fill('neema');
    await form.locator('input[name=email]').fill('neema@clinic.test');
    await form.locator('select[name=role_id]').selectOption({ label: 'Receptionist' });
    await form.locator('input[name=password]').fill('short');
    await form.locator('input[name=password]').press('Enter');
    await form.getByText('The password must have at least 12 characters.').waitFor();
    await form.locator('input[name=password]').fill('mapokezi-salama-1');
    await form.locator('input[name=password]').press('Enter');
    await form.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid=users-table] tr[data-username=neema]');
    await row.waitFor();
    assert.match(await row.innerText(), /Receptionist/);

    // The toast that says so covers none of the header or the page's own buttons (at the top
    // right it covered "New user", and a pointer on it stops it closing).
    const toast = page.locator('.mantine-Notification-root', { hasText: 'User neema created.' });
    await toast.waitFor();
    const [tb, nb, hb] = [await toast.boundingBox(), await page.locator('[data-testid=new-user]').boundingBox(), await page.locator('header').boundingBox()];
    const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    assert.ok(!overlaps(tb, nb) && !overlaps(tb, hb), `the toast ${JSON.stringify(tb)} covers "New user" ${JSON.stringify(nb)} or the header ${JSON.stringify(hb)}`);

    // A duplicate username is refused beside the field (the server's answer).
    await page.locator('[data-testid=new-user]').click();
    await form.locator('input[name=first_name]').fill('Neema');
    await form.locator('input[name=last_name]').fill('Wa Pili');
    await form.locator('input[name=username]').fill('neema');
    await form.locator('input[name=email]').fill('neema2@clinic.test');
    await form.locator('select[name=role_id]').selectOption({ label: 'Cashier' });
    await form.locator('input[name=password]').fill('mapokezi-salama-2');
    await page.keyboard.press('Enter');
    await form.getByText('Already taken by another user.').waitFor();
    await page.keyboard.press('Escape'); // Esc closes the modal
    await form.waitFor({ state: 'detached' });

    await logoutUI(page);

    // The receptionist sees patients, appointments, billing and reports; not users or audit.
    await loginUI(page, chelal.url, 'neema', 'mapokezi-salama-1');
    assert.equal(await page.locator('[data-testid=user-role]').innerText(), 'Receptionist');
    assert.deepEqual(await navAreas(page), ['home', 'patients', 'appointments', 'billing', 'reports', 'profile']);
    const home = await page.locator('[data-testid=home-areas] [data-area]').evaluateAll((els) => els.map((e) => e.getAttribute('data-area')));
    assert.deepEqual(home, ['patients', 'appointments', 'billing', 'reports']);

    // Typing a URL does not open an area of another role.
    await page.goto(chelal.url + '/users');
    await page.getByText('Your role does not give access to this area.').waitFor();

    // An area of theirs opens (billing: the cashier's view); `/` focuses the patient search.
    await page.locator('[data-testid=main-nav] [data-area=billing]').click();
    await page.locator('[data-testid=cashier-view]').waitFor();
    await page.locator('h2').first().click();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'patient-search');
    await page.keyboard.type('Otieno');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/patients\?q=Otieno$/);
    // The patients page focuses its own search box when it opens; Ctrl+K then goes to the header's.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'patient-search-page-input');
    await page.keyboard.press('Control+k');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'patient-search');

    // Printing shows the page without the navigation and header.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('[data-testid=main-nav]').isVisible(), false, 'no navigation on paper');
    assert.equal(await page.locator('[data-testid=patient-search]').isVisible(), false, 'no header on paper');
    assert.equal(await page.locator('main h2').first().isVisible(), true, 'the content is printed');
    await page.emulateMedia({ media: 'screen' });

    assert.deepEqual(page.jsErrors, [], 'no script errors and no CSP violations');
  });
  await page.context().close();
});
