// Patient safety at the seams between the consultation and the pharmacy:
// - the pharmacist links a free-text prescription to the catalog medication and the allergy
//   check runs again: the warning is shown and a reason is needed; the queue then shows the
//   patient's allergies and the warning in full, at 1024 px and in every language;
// - asking to dispense 99 of a prescription of 15 is refused with the numbers, never cut to 15;
// - the doctor discontinues a prescription after the encounter is closed: it leaves the queue
//   and is listed as discontinued, with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const PHARMACIST = { username: 'neema', password: 'dawa-salama-2026' };
const DOCTOR = { username: 'juma', password: 'daktari-salama-3' };
const ALLERGIES =
  'Penicillin (anaphylaxis in 2019 after a benzylpenicillin injection at the district hospital); sulfa drugs (widespread rash); latex gloves';

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** setupClinic: staff, a patient with long allergies, Amoxicillin (Penicillins) and Paracetamol in stock, a closed consultation with two free-text prescriptions. */
async function setupClinic() {
  const { chelal, admin } = clinic;
  const user = async (role, u) =>
    (await chelal.api('POST', '/api/v1/users', { ...u, email: `${u.username}@clinic.test`, role_id: await chelal.roleId(admin, role) }, admin)).json.user;
  await user('pharmacist', { ...PHARMACIST, first_name: 'Neema', last_name: 'Lyimo' });
  const doctor = await user('doctor', { ...DOCTOR, first_name: 'Juma', last_name: 'Mrisho' });
  const patient = (
    await chelal.api('POST', '/api/v1/patients', {
      first_name: 'Saida', last_name: 'Hamisi', date_of_birth: '1979-03-02', gender: 'female', known_allergies: ALLERGIES, confirm_duplicate: true,
    }, admin)
  ).json;
  const nextYear = new Date();
  nextYear.setFullYear(nextYear.getFullYear() + 1);
  for (const [cat, name] of [['Penicillins', 'Amoxicillin'], ['Analgesics', 'Paracetamol']]) {
    const category = (await chelal.api('POST', '/api/v1/medication-categories', { name: cat }, admin)).json;
    const med = (await chelal.api('POST', '/api/v1/medications', { name, category_id: category.id, strength: '500 mg', form: 'tablet', unit_price: '2.00' }, admin)).json;
    const b = await chelal.api('POST', `/api/v1/medications/${med.id}/batches`, { batch_number: `${name}-1`, expiry_date: iso(nextYear), quantity: 100, unit_cost: '1.00' }, admin);
    assert.equal(b.res.status, 201);
  }

  const doc = await chelal.login(DOCTOR.username, DOCTOR.password);
  const visit = (await chelal.api('POST', '/api/v1/appointments', { patient_id: patient.id, doctor_id: doctor.id, walk_in: true, reason: 'Tonsillitis' }, doc)).json;
  const encounter = (await chelal.api('POST', '/api/v1/encounters', { appointment_id: visit.id, notes: 'Tonsillitis, febrile' }, doc)).json;
  const path = `/api/v1/encounters/${encounter.id}/prescriptions`;
  // Free text naming Amoxicillin is warned at once, like the catalog's.
  await assert.rejects(chelal.api('POST', path, { medication_name: 'Amoxicillin 500 mg', dosage: '500 mg', frequency: 'tds', quantity: 15 }, doc), /409 .*allergy-warning/);
  // A brand name the catalog does not know passes here: the pharmacist's link will check it.
  const amoxyl = (await chelal.api('POST', path, { medication_name: 'Amoxyl syrup 250 mg/5 ml', dosage: '5 ml', frequency: 'tds', quantity: 15 }, doc)).json;
  const para = (await chelal.api('POST', path, { medication_name: 'Paracetamol 500 mg', dosage: '1 g', frequency: 'qds', quantity: 15 }, doc)).json;
  const drops = (await chelal.api('POST', path, { medication_name: 'Throat drops (brand unclear)', dosage: '1', frequency: 'prn', quantity: 10 }, doc)).json;
  const e = (await chelal.api('GET', `/api/v1/encounters/${encounter.id}`, undefined, doc)).json;
  assert.equal((await chelal.api('POST', `/api/v1/encounters/${encounter.id}/close`, { version: e.version }, doc)).res.status, 200);
  return { encounter, amoxyl, para, drops };
}

test('link free text (allergy warning), 99 of 15 refused, discontinue after close', { timeout: 300_000 }, async () => {
  const { encounter, amoxyl, para, drops } = await setupClinic();
  const { chelal } = clinic;
  const page = await newPage(clinic.browser);
  await page.setViewportSize({ width: 1024, height: 800 });
  await scenario('rxsafety-pharmacist', page, async () => {
    await loginUI(page, chelal.url, PHARMACIST.username, PHARMACIST.password);
    await page.goto(`${chelal.url}/pharmacy/queue`);
    const queue = page.locator('[data-testid=dispense-queue]');
    const freeRow = queue.locator(`tr[data-prescription="${amoxyl.id}"]`);
    await freeRow.waitFor();
    assert.equal(await freeRow.locator('[data-testid=dispense]').count(), 0); // free text: link first

    // Link it to Amoxicillin: the allergy check runs again.
    await freeRow.locator('[data-testid=link]').click();
    const form = page.locator('[data-testid=link-form]');
    await form.locator('input[name=q]').fill('amox');
    await form.locator('[data-testid=link-candidates] button', { hasText: 'Amoxicillin' }).click();
    await form.locator('[data-testid=link-chosen]').waitFor();
    await page.locator('[data-testid=link-submit]').click();
    const warning = form.locator('[data-testid=link-allergy-warning]');
    await warning.waitFor();
    assert.match(await warning.innerText(), /allergic to "penicillin".*Penicillins/s);
    await page.locator('[data-testid=link-submit]').click(); // no reason yet
    await form.getByText('Say why you link it despite the allergy.').waitFor();
    await form.locator('textarea[name=allergy_override_reason]').fill('Doctor called: desensitised in 2023');
    await page.locator('[data-testid=link-submit]').click();
    await form.waitFor({ state: 'detached' });
    await freeRow.locator('[data-testid=catalog-name]').getByText('Amoxicillin').waitFor();
    assert.match(await freeRow.locator('[data-testid=allergy-warning]').innerText(), /Penicillins.*Doctor called: desensitised in 2023/s);

    // The allergies and the warning are readable in full at 1024 px, in every language.
    for (const lang of ['en', 'fr', 'sw']) {
      if (lang !== 'en') {
        await page.locator('[data-testid=language-menu]').click();
        await page.locator(`[data-language=${lang}]`).click();
        await page.waitForFunction((l) => document.documentElement.lang === l, lang);
      }
      for (const id of ['allergies', 'allergy-warning']) {
        const el = freeRow.locator(`[data-testid=${id}]`);
        const box = await el.evaluate((n) => {
          const s = getComputedStyle(n);
          return { text: n.textContent, clipped: n.scrollWidth > n.clientWidth + 1 || s.textOverflow === 'ellipsis' || s.whiteSpace === 'nowrap' };
        });
        assert.equal(box.clipped, false, `${id} is cut short in ${lang}`);
        if (id === 'allergies') assert.ok(box.text.includes(ALLERGIES), `allergies in ${lang}: ${box.text}`);
      }
      const right = await freeRow.evaluate((n) => n.getBoundingClientRect().right);
      assert.ok(right <= 1024, `the queue row overflows the window in ${lang}: ${right}`);
    }
    await page.locator('[data-testid=language-menu]').click();
    await page.locator('[data-language=en]').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');

    // 99 asked of 15: refused with the numbers, the 99 left as typed, nothing dispensed.
    const paraRow = queue.locator(`tr[data-prescription="${para.id}"]`);
    await paraRow.locator('[data-testid=link]').click();
    const link = page.locator('[data-testid=link-form]');
    await link.locator('input[name=q]').fill('parac');
    await link.locator('[data-testid=link-candidates] button', { hasText: 'Paracetamol' }).click();
    await page.locator('[data-testid=link-submit]').click();
    await link.waitFor({ state: 'detached' });
    await paraRow.locator('[data-testid=dispense]').click();
    const dispense = page.locator('[data-testid=dispense-form]');
    const qty = dispense.locator('input[name=quantity]');
    await qty.fill('99');
    await qty.blur();
    assert.equal(await qty.inputValue(), '99');
    await page.locator('[data-testid=dispense-submit]').click();
    await dispense.locator('[data-testid=form-error]').getByText('You asked for 99, but only 15 remain on this prescription.', { exact: false }).waitFor();
    assert.equal(await qty.inputValue(), '99');
    await dispense.locator('button', { hasText: 'Cancel' }).click();
    await dispense.waitFor({ state: 'detached' });
    assert.match(await paraRow.innerText(), /15 \/ 15/);

    // A prescription the pharmacist cannot make sense of goes back to its prescriber, with a
    // reason (required), and leaves the queue.
    const dropsRow = queue.locator(`tr[data-prescription="${drops.id}"]`);
    await dropsRow.locator('[data-testid=send-back]').click();
    const back = page.locator('[data-testid=send-back-form]');
    await page.locator('[data-testid=send-back-submit]').click();
    await back.getByText('Give the reason.').waitFor();
    await back.locator('textarea[name=reason]').fill('Which drops? Please prescribe from the catalog.');
    await page.locator('[data-testid=send-back-submit]').click();
    await back.waitFor({ state: 'detached' });
    await dropsRow.waitFor({ state: 'detached' });
    assert.deepEqual(page.jsErrors, []);
  });

  // The doctor discontinues the paracetamol on the closed consultation.
  const docPage = await newPage(clinic.browser);
  await scenario('rxsafety-doctor', docPage, async () => {
    await loginUI(docPage, chelal.url, DOCTOR.username, DOCTOR.password);
    await docPage.goto(`${chelal.url}/consultations/${encounter.id}`);
    const row = docPage.locator(`[data-testid=prescription-list] tr[data-prescription="${para.id}"]`);
    await row.locator('[data-testid=discontinue]').click();
    const form = docPage.locator('[data-testid=discontinue-form]');
    await docPage.locator('[data-testid=discontinue-submit]').click();
    await form.getByText('Give the reason.').waitFor();
    await form.locator('textarea[name=reason]').fill('Fever settled; not needed');
    await docPage.locator('[data-testid=discontinue-submit]').click();
    await form.waitFor({ state: 'detached' });
    await row.locator('[data-testid=discontinued]').getByText('Fever settled; not needed', { exact: false }).waitFor();
    assert.equal(await row.getAttribute('data-status'), 'discontinued');
    assert.deepEqual(docPage.jsErrors, []);
  });

  // It leaves the pharmacist's queue, and is listed as discontinued with the reason.
  await scenario('rxsafety-queue', page, async () => {
    await page.reload();
    const queue = page.locator('[data-testid=dispense-queue]');
    await queue.locator(`tr[data-prescription="${amoxyl.id}"]`).waitFor();
    assert.equal(await queue.locator(`tr[data-prescription="${para.id}"]`).count(), 0);
    await page.locator('[data-testid=queue-status]').getByText('Discontinued').click();
    const gone = queue.locator(`tr[data-prescription="${para.id}"]`);
    await gone.locator('[data-testid=status-reason]').getByText('Fever settled; not needed', { exact: false }).waitFor();
    assert.equal(await gone.locator('[data-testid=dispense]').count(), 0);
    assert.deepEqual(page.jsErrors, []);
  });
});
