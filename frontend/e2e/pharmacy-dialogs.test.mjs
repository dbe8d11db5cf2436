// The pharmacy's catalogue through its dialogs (FormModal): an administrator starts a category,
// leaves it, comes back to the draft and discards it, is told a name is required, then saves a
// category, a medication in it, a supply and an adjustment of that supply's stock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();

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
    await form.locator('input[name=name]').fill('Antimalarials');
    await page.locator('[data-testid=category-submit]').click();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'Antimalarials' }).waitFor();

    // a medication in that category
    await page.locator('[data-testid=tab-stock]').click();
    await page.locator('[data-testid=new-medication]').click();
    form = page.locator('[data-testid=medication-form]');
    await form.locator('input[name=name]').fill('Artemether');
    await form.locator('select[name=category_id]').selectOption({ label: 'Antimalarials' });
    await form.locator('input[name=strength]').fill('20 mg');
    await form.locator('input[name=form]').fill('tablet');
    await form.locator('input[name=unit_price]').fill('3.00');
    await page.locator('[data-testid=medication-submit]').click();
    await form.waitFor({ state: 'detached' });
    await page.locator('[data-testid=stock-table] tr[data-medication=Artemether]').waitFor();

    // a supply, and its stock adjusted with a reason
    await page.locator('[data-testid=tab-supplies]').click();
    await page.getByRole('button', { name: 'New supply' }).click();
    form = page.locator('[data-testid=supply-form]');
    await form.locator('input[name=name]').fill('Gloves');
    await form.locator('input[name=unit]').fill('box');
    await page.locator('[data-testid=supply-submit]').click();
    await form.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ hasText: 'Gloves' });
    await row.getByRole('button', { name: 'Adjust stock' }).click();
    form = page.locator('[data-testid=supply-adjust-form]');
    await form.locator('input[name=quantity_change]').fill('5');
    await form.locator('input[name=reason]').fill('Delivery');
    await page.locator('[data-testid=supply-adjust-submit]').click();
    await form.waitFor({ state: 'detached' });
    await row.getByText('5 box').waitFor();
  });
  await page.context().close();
});
