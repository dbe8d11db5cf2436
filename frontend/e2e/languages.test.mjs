// Language: switching to French and to Swahili translates the UI at once and is saved as the
// user's preference, which applies at the next login.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, Chelal, cleanup, launchBrowser, loginUI, logoutUI, newPage, scenario } from './harness.mjs';

let chelal;
let browser;

before(async () => {
  chelal = await Chelal.create();
  await chelal.start();
  const admin = await chelal.setup();
  // a nurse whose preference is French: the UI is French as soon as she logs in
  await chelal.api(
    'POST',
    '/api/v1/users',
    { username: 'amani', password: 'muuguzi-bora-2026', first_name: 'Amani', last_name: 'Kipchoge', email: 'amani@clinic.test', role_id: await chelal.roleId(admin, 'nurse'), language_preference: 'fr' },
    admin,
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cleanup();
});

const navLabel = (page, area) => page.locator(`[data-testid=main-nav] [data-area=${area}]`).innerText();

async function chooseLanguage(page, endonym) {
  await page.locator('[data-testid=language-menu]').click();
  await page.getByRole('menuitem', { name: endonym }).click();
}

test('French and Swahili labels, saved as the preference', { timeout: 120_000 }, async () => {
  const page = await newPage(browser);
  await scenario('languages', page, async () => {
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    assert.equal(await navLabel(page, 'patients'), 'Patients');
    assert.equal(await navLabel(page, 'appointments'), 'Appointments');

    await chooseLanguage(page, 'Français');
    await page.locator('[data-testid=main-nav] [data-area=appointments]').getByText('Rendez-vous').waitFor();
    assert.equal(await navLabel(page, 'users'), 'Utilisateurs');
    assert.equal(await navLabel(page, 'billing'), 'Facturation');
    assert.equal(await page.locator('[data-testid=user-role]').innerText(), 'Administrateur');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');

    // saved on the server: a reload (a new session view) stays French
    await page.reload();
    await page.locator('[data-testid=main-nav] [data-area=home]').getByText('Accueil').waitFor();

    await chooseLanguage(page, 'Kiswahili');
    await page.locator('[data-testid=main-nav] [data-area=patients]').getByText('Wagonjwa').waitFor();
    assert.equal(await navLabel(page, 'appointments'), 'Miadi');
    assert.equal(await navLabel(page, 'users'), 'Watumiaji');
    assert.equal(await navLabel(page, 'profile'), 'Wasifu wangu');
    assert.equal(await page.locator('[data-testid=user-role]').innerText(), 'Msimamizi');
    await page.locator('[data-testid=main-nav] [data-area=pharmacy]').click();
    await page.locator('[data-testid=tab-stock]').getByText('Akiba').waitFor();

    // the login screen keeps the last language used here
    await logoutUI(page);
    await page.getByRole('button', { name: 'Ingia' }).waitFor();

    // another user's preference applies at their login: the nurse's is French
    await loginUI(page, chelal.url, 'amani', 'muuguzi-bora-2026');
    await page.locator('[data-testid=main-nav] [data-area=vitals]').getByText('Signes vitaux').waitFor();
    assert.equal(await page.locator('[data-testid=user-role]').innerText(), 'Infirmier·ère');

    // and the administrator's Swahili is still theirs
    await logoutUI(page);
    await loginUI(page, chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=home]').getByText('Mwanzo').waitFor();
    const me = await chelal.login(ADMIN.username, ADMIN.password);
    assert.equal(me.user.language_preference, 'sw');
    assert.deepEqual(page.jsErrors, []);
  });
  await page.context().close();
});
