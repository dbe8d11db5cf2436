// Dates are typed and shown in the user's way, whatever the browser (issue 13, item 7): a
// French pharmacist on a workstation set to American English in Los Angeles (whose own date
// fields would read 12/02/2027 as the 2nd of December) receives a batch of a clinic in Nairobi:
// the expiry field asks for JJ/MM/AAAA, she types 02/12/2027, the calendar speaks French, and
// the API receives 2027-12-02. The clinic may choose another format (MM/DD/YYYY here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillDate, loginUI, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const PHARMACIST = { username: 'neema', password: 'dawa-salama-2030', first_name: 'Neema', last_name: 'Mushi', language_preference: 'fr' };

test('a French user types 02/12/YYYY in a date field; the API receives YYYY-12-02, in another zone than the clinic', { timeout: 240_000 }, async () => {
  const { chelal, admin, browser } = clinic;
  const api = async (method, path, body, session = admin) => (await chelal.api(method, path, body, session)).json;
  const settings = await api('GET', '/api/v1/settings');
  await api('PATCH', '/api/v1/settings', { version: settings.version, timezone: 'Africa/Nairobi' });
  await api('POST', '/api/v1/users', { ...PHARMACIST, email: 'neema@clinic.test', role_id: await chelal.roleId(admin, 'pharmacist') });
  const category = await api('POST', '/api/v1/medication-categories', { name: 'Antibiotiques' });
  const med = await api('POST', '/api/v1/medications', { name: 'Doxycycline', category_id: category.id, strength: '100 mg', form: 'capsule', unit_price: '2.00' });
  const year = new Date().getUTCFullYear() + 1;

  const context = await browser.newContext({ timezoneId: 'America/Los_Angeles', locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await scenario('dates-fr', page, async () => {
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'America/Los_Angeles');
    await loginUI(page, chelal.url, PHARMACIST.username, PHARMACIST.password);
    await page.locator('[data-testid=main-nav] [data-area=pharmacy]').click();
    await page.locator('[data-testid=stock-table] tr[data-medication=Doxycycline] [data-testid=receive]').click();
    const form = page.locator('[data-testid=receive-form]');
    const expiry = form.locator('[data-date=expiry_date]');
    assert.equal(await expiry.getAttribute('placeholder'), 'JJ/MM/AAAA');
    await expiry.click();
    await expiry.pressSequentially(`02/12/${year}`);
    // the calendar follows what was typed, in French
    await page.locator('[data-dates-dropdown]').getByText(`décembre ${year}`).waitFor();
    await expiry.blur();
    await page.locator('[data-dates-dropdown]').waitFor({ state: 'hidden' });
    assert.equal(await expiry.inputValue(), `02/12/${year}`, 'shown as typed, day first');
    assert.equal(await form.locator('input[name=expiry_date]').inputValue(), `${year}-12-02`, 'kept as ISO');

    await form.locator('input[name=batch_number]').fill('DOX-1');
    await form.locator('input[name=quantity]').fill('40');
    await form.locator('input[name=unit_cost]').fill('1,50');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/medications/${med.id}/batches`));
    await page.locator('[data-testid=receive-submit]').click();
    assert.equal(JSON.parse((await sent).postData()).expiry_date, `${year}-12-02`);
    await form.waitFor({ state: 'detached' });
  });
  const detail = await api('GET', `/api/v1/medications/${med.id}`);
  assert.deepEqual(detail.batches.map((b) => b.expiry_date), [`${year}-12-02`]);

  // The clinic's choice of format applies to every date field.
  const now = await api('GET', '/api/v1/settings');
  await api('PATCH', '/api/v1/settings', { version: now.version, date_format: 'MM/DD/YYYY' });
  await scenario('dates-clinic-format', page, async () => {
    await page.reload();
    await page.locator('[data-testid=stock-table] tr[data-medication=Doxycycline] [data-testid=receive]').click();
    const form = page.locator('[data-testid=receive-form]');
    const expiry = form.locator('[data-date=expiry_date]');
    assert.equal(await expiry.getAttribute('placeholder'), 'MM/JJ/AAAA');
    await fillDate(expiry, `${year}-12-03`, 'MM/DD/YYYY');
    assert.equal(await expiry.inputValue(), `12/03/${year}`);
    assert.equal(await form.locator('input[name=expiry_date]').inputValue(), `${year}-12-03`);
  });
  await context.close();
});
