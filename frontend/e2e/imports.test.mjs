// An administrator brings a register kept in a spreadsheet: opens Import records, chooses the
// file (French titles, semicolons), sees the columns and the suggested mapping, is told to
// declare the date format, then sees the first rows with the bad ones marked and how many would
// be refused; imports the good rows, downloads the refused rows with their reasons, finds an
// imported patient by the old record number, and undoes the import.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();

test('an administrator imports patients from a spreadsheet, with a dry run first', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chelal-import-'));
  const file = join(dir, 'registre.csv');
  writeFileSync(
    file,
    'N° dossier;Prénom;Nom;Date de naissance;Sexe;Téléphone\n' +
      'OPD/2019/001;José;Müller;15/03/1988;M;0722 111 001\n' +
      'OPD/2019/002;Zoë;Ødegård;01/12/1975;F;\n' +
      'OPD/2019/003;Bad;Date;1988-03-15;F;\n' +
      'OPD/2019/004;Odd;Sex;02/02/1990;X;\n',
  );
  const page = await newPage(clinic.browser);
  await scenario('imports', page, async () => {
    await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);
    await page.locator('[data-testid=main-nav] [data-area=imports]').click();
    await page.waitForURL(/\/imports$/);
    await page.getByText('Bring existing records').first().waitFor();

    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByText(/Columns found: N° dossier \| Prénom \| Nom/).waitFor();
    await page.getByText(/Say how the file writes dates/).waitFor();
    assert.equal(await page.locator('[data-testid=map-first_name]').inputValue(), 'Prénom');
    assert.equal(await page.locator('[data-testid=map-unique_id]').inputValue(), 'N° dossier');

    await page.locator('[data-testid=import-date-format]').click();
    await page.getByRole('option', { name: 'DD/MM/YYYY' }).click();
    const preview = page.locator('[data-testid=import-preview]');
    await preview.waitFor();
    assert.equal(await preview.locator('tbody tr').count(), 4);
    assert.equal(await preview.locator('tbody tr[data-problem]').count(), 2);
    assert.match(await preview.innerText(), /not a date written DD\/MM\/YYYY/);
    assert.match(await preview.innerText(), /unknown sex value "X"/);
    assert.match(await page.locator('[data-testid=import-summary]').innerText(), /4 rows: 2 can be imported, 2 would be refused/);

    await page.locator('[data-testid=import-run]').click();
    const done = page.locator('[data-testid=import-done]');
    await done.waitFor();
    assert.match(await done.innerText(), /2 rows imported, 2 refused/);
    // The import ran as a job: its status counted the rows read of the file's rows.
    const job = await page.evaluate(async () => (await fetch('/api/v1/imports/job')).json());
    assert.equal(job.state, 'done');
    assert.equal(job.dry_run, false);
    assert.equal(job.rows_total, 4);
    assert.equal(job.rows_done, 4);
    const download = page.waitForEvent('download');
    await done.getByRole('button', { name: /Download the refused rows/ }).click();
    const refused = readFileSync(await (await download).path(), 'utf8');
    assert.match(refused, /reason/);
    assert.match(refused, /OPD\/2019\/003.*not a date/);
    assert.match(await page.locator('[data-testid=import-history]').innerText(), /registre\.csv/);

    // The old record number finds the patient.
    const res = await page.evaluate(async () => (await fetch('/api/v1/patients?q=OPD%2F2019%2F001')).json());
    assert.equal(res.items[0]?.first_name, 'José');

    await page.locator('[data-testid=import-history]').getByRole('button', { name: 'Undo' }).click();
    await page.locator('[data-testid=import-history]').getByText('Undone').waitFor();
    const after = await page.evaluate(async () => (await fetch('/api/v1/patients?q=OPD%2F2019%2F001')).json());
    assert.equal(after.items.length, 0);
  });
});
