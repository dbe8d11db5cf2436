// Spreadsheet imports run as jobs (issue 23). A large register: the page shows the job's
// progress bar while it runs (a percentage strictly between 0 and 100), then the check's
// result. A workbook damaged after its first row: the header is read at once, the job then
// fails on the damaged row, and the page says so.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADMIN, loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const dir = mkdtempSync(join(tmpdir(), 'chelal-import-jobs-'));

/** word spells i in letters, so that every name differs (no duplicates within the file). */
const word = (i) => [...String(i)].map((d) => String.fromCharCode(97 + Number(d))).join('');

test('the progress bar of a large import moves, then the check ends', { timeout: 600_000 }, async () => {
  const rows = 30_000;
  // Distinct people: each born on a day of her own (names alike with the same birth date
  // would be found as duplicates).
  const lines = ['First name,Last name,Date of birth,Sex,Phone'];
  const born = (i) => new Date(Date.UTC(1940, 0, i)).toISOString().slice(0, 10);
  for (let i = 1; i <= rows; i++) lines.push(`Neema,Kamau ${word(i)},${born(i)},${i % 2 ? 'F' : 'M'},+2547${String(i).padStart(8, '0')}`);
  const file = join(dir, 'register.csv');
  writeFileSync(file, lines.join('\n') + '\n');

  const page = await newPage(clinic.browser);
  await scenario('imports-progress', page, async () => {
    // Choosing the file and the date format starts its check (a dry run of the whole file) as a job.
    await chooseFile(page, clinic, file);
    await page.getByText(/Say how the file writes dates/).waitFor({ timeout: 120_000 });
    await page.locator('[data-testid=import-date-format]').click();
    await page.getByRole('option', { name: 'YYYY-MM-DD' }).click();
    const progress = page.locator('[data-testid=import-progress]');
    let seen = null;
    const deadline = Date.now() + 300_000;
    while (seen === null && Date.now() < deadline) {
      const text = await progress.innerText({ timeout: 300_000 }).catch(() => '');
      const m = /([\d,]+) of ([\d,]+) rows read \((\d+) %\)/.exec(text);
      if (m && Number(m[3]) > 0 && Number(m[3]) < 100) {
        seen = { done: Number(m[1].replaceAll(',', '')), total: Number(m[2].replaceAll(',', '')), percent: Number(m[3]) };
        // the bar itself shows that percentage
        assert.equal(await progress.getByRole('progressbar').getAttribute('aria-valuenow'), String(seen.percent));
      } else {
        await page.waitForTimeout(200);
      }
    }
    assert.ok(seen, 'no percentage between 0 and 100 was shown while the job ran');
    assert.equal(seen.total, rows);
    assert.ok(seen.done > 0 && seen.done < rows, `rows read ${seen.done}`);
    // Then the check ends: the bar goes, the result comes.
    const summary = page.locator('[data-testid=import-summary]');
    await summary.waitFor({ timeout: 300_000 });
    assert.match(await summary.innerText(), /^30000 rows: 30000 can be imported, 0 would be refused/);
    assert.equal(await progress.count(), 0);
    const job = await page.evaluate(async () => (await fetch('/api/v1/imports/job')).json());
    assert.equal(job.state, 'done');
    assert.equal(job.rows_done, rows);
  });
});

// crc32 and zip build a workbook (stored, uncompressed) without a library.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
// chooseFile signs the administrator in and chooses file on the imports page.
async function chooseFile(page, clinic, file) {
  await loginUI(page, clinic.chelal.url, ADMIN.username, ADMIN.password);
  await page.locator('[data-testid=main-nav] [data-area=imports]').click();
  await page.waitForURL(/\/imports$/);
  await page.locator('input[type=file]').setInputFiles(file);
}

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zip(files) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, 'utf8');
    const fname = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(fname.length, 28);
    entry.writeUInt32LE(offset, 42);
    parts.push(local, fname, data);
    central.push(entry, fname);
    offset += local.length + fname.length + data.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

const cell = (ref, v) => `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>`;
const row = (r, values) => `<row r="${r}">${values.map((v, i) => cell(String.fromCharCode(65 + i) + r, v)).join('')}</row>`;

test('an import job that fails shows its alert', { timeout: 300_000 }, async () => {
  // A workbook whose header is sound, with a row numbered past the last row a sheet can have
  // (1,048,576): the kind of damage a tool that writes workbooks by hand leaves. Its rows are
  // read only by the job, which fails there.
  const sheet =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    row(1, ['First name', 'Last name', 'Age', 'Sex']) +
    row(2, ['Amina', 'Hassan', '34', 'F']) +
    row(1048577, ['Baraka', 'Omondi', '41', 'M']) +
    '</sheetData></worksheet>';
  const file = join(dir, 'damaged.xlsx');
  writeFileSync(
    file,
    zip({
      '[Content_Types].xml':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
      '_rels/.rels':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
      'xl/workbook.xml':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Patients" sheetId="1" r:id="rId1"/></sheets></workbook>',
      'xl/_rels/workbook.xml.rels':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': sheet,
    }),
  );

  const page = await newPage(clinic.browser);
  await scenario('imports-failed', page, async () => {
    await chooseFile(page, clinic, file);
    const failed = page.locator('[data-testid=import-failed]');
    await failed.waitFor({ timeout: 120_000 });
    assert.match(await failed.innerText(), /The import of damaged\.xlsx failed: The file cannot be read from line \d+ on: row number exceeds/);
    // Nothing was checked: no result, no preview.
    assert.equal(await page.locator('[data-testid=import-summary]').count(), 0);
    const job = await page.evaluate(async () => (await fetch('/api/v1/imports/job')).json());
    assert.equal(job.state, 'failed');
    assert.equal(job.file_name, 'damaged.xlsx');
    assert.ok(job.error, 'the job says why it failed');
  });
});
