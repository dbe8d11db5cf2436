// The pharmacy's catalogue through its dialogs (FormModal): an administrator starts a category,
// leaves it, comes back to the draft and discards it, is told a name is required, then saves a
// category, a medication in it, a supply and an adjustment of that supply's stock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();

/** save fills a dialog's fields (by name), presses its submit button and waits for it to close. */
async function save(page, formId, submitId, fields) {
  const form = page.locator(`[data-testid=${formId}]`);
  for (const [name, value] of Object.entries(fields)) await form.locator(`input[name=${name}]`).fill(value);
  await page.locator(`[data-testid=${submitId}]`).click();
  await form.waitFor({ state: 'detached' });
}

test('categories, medications and supplies through their dialogs, with the draft put back and discarded', { timeout: 240_000 }, async () => {
  const page = await newPage(clinic.browser);
  await scenario('pharmacy-dialogs', page, async () => {
    await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=pharmacy]').click();
    await page.locator('[data-testid=tab-categories]').click();

    // a category started and left is put back as a draft; discarding it empties the form
    await page.locator('[data-testid=new-category]').click();
    let form = page.locator('[data-testid=category-form]');
    await form.locator('input[name=name]').fill('Antimal');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    await page.locator('[data-testid=new-category]').click();
    form = page.locator('[data-testid=category-form]');
    await form.locator('[data-testid=draft-restored]').waitFor();
    assert.equal(await form.locator('input[name=name]').inputValue(), 'Antimal');
    await form.getByRole('button', { name: 'Discard it' }).click();
    assert.equal(await form.locator('input[name=name]').inputValue(), '');

    // a name is required; then the category is saved
    await page.locator('[data-testid=category-submit]').click();
    await form.getByText('This field is required.').waitFor();
    await save(page, 'category-form', 'category-submit', { name: 'Antimalarials' });
    await page.getByRole('row').filter({ hasText: 'Antimalarials' }).waitFor();

    // a medication in that category
    await page.locator('[data-testid=tab-stock]').click();
    await page.locator('[data-testid=new-medication]').click();
    await page.locator('[data-testid=medication-form] select[name=category_id]').selectOption({ label: 'Antimalarials' });
    await save(page, 'medication-form', 'medication-submit', { name: 'Artemether', strength: '20 mg', form: 'tablet', unit_price: '3.00' });
    await page.locator('[data-testid=stock-table] tr[data-medication=Artemether]').waitFor();

    // a supply, and its stock adjusted with a reason
    await page.locator('[data-testid=tab-supplies]').click();
    await page.getByRole('button', { name: 'New supply' }).click();
    await save(page, 'supply-form', 'supply-submit', { name: 'Gloves', unit: 'box' });
    const row = page.getByRole('row').filter({ hasText: 'Gloves' });
    await row.getByRole('button', { name: 'Adjust stock' }).click();
    await save(page, 'supply-adjust-form', 'supply-adjust-submit', { quantity_change: '5', reason: 'Delivery' });
    await row.getByText('5 box').waitFor();
  });
  await page.context().close();
});
