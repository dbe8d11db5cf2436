// Accessibility and small screens: axe-core (run inside the page) finds no critical or serious
// violation on the login, patients, registration, reception queue, consultation, dispensing and
// bill pages, in English and in French; at 390 px wide the user menu (log-out) is reachable, every
// row action of those pages' tables can be scrolled to and clicked, and, in French and Swahili,
// no label, button, tab or table header is cut short.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { loginUI, newPage, scenario, withClinic } from './harness.mjs';

const clinic = withClinic();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const LOCALES = { en: 'en-GB', fr: 'fr-FR', sw: 'sw-KE' };
const PASSWORD = 'ufikiaji-kwa-wote-2026';
const ROLES = { receptionist: 'neema', doctor: 'juma', pharmacist: 'baraka', cashier: 'halima' };

/** fixtures: a user per role and language, and a clinic day with a patient at every step. */
async function fixtures() {
  const { chelal, admin } = clinic;
  const api = (method, path, body, session = admin) => chelal.api(method, path, body, session).then((r) => r.json);
  const users = {};
  for (const [role, name] of Object.entries(ROLES)) {
    const roleId = await chelal.roleId(admin, role);
    for (const lang of Object.keys(LOCALES)) {
      const username = `${name}_${lang}`;
      const u = (await api('POST', '/api/v1/users', { username, password: PASSWORD, first_name: name[0].toUpperCase() + name.slice(1), last_name: 'Wambui', email: `${username}@clinic.test`, role_id: roleId, language_preference: lang })).user;
      users[`${role}.${lang}`] = u;
    }
  }
  const doctor = users['doctor.en'];
  // The consultation fee (CONSULT) is in the catalog since the setup; its price set here.
  const consult = (await api('GET', '/api/v1/services?q=CONSULT')).items.find((s) => s.code === 'CONSULT');
  await api('PATCH', `/api/v1/services/${consult.id}`, { version: consult.version, price: '500.00' });
  const patient = (first, last) => api('POST', '/api/v1/patients', { first_name: first, last_name: last, date_of_birth: '1984-02-11', gender: 'female', contact_info: '0712 345 678', known_allergies: 'Penicillin', confirm_duplicate: true });
  const inConsultation = await patient('Amina', 'Mwakilema');
  const billed = await patient('Rehema', 'Mwakilema');
  const waiting = await patient('Zuhura', 'Mwakilema');

  const pha = await chelal.login('baraka_en', PASSWORD);
  const category = await api('POST', '/api/v1/medication-categories', { name: 'Antimalarials' }, pha);
  const med = await api('POST', '/api/v1/medications', { name: 'Coartem', category_id: category.id, strength: '20/120 mg', form: 'tablet', unit_price: '12.50' }, pha);
  const nextYear = new Date();
  nextYear.setFullYear(nextYear.getFullYear() + 1);
  await api('POST', `/api/v1/medications/${med.id}/batches`, { batch_number: 'LOT-1', expiry_date: nextYear.toISOString().slice(0, 10), quantity: 100, unit_cost: '8.00' }, pha);

  const doc = await chelal.login('juma_en', PASSWORD);
  const walkIn = (p) => api('POST', '/api/v1/appointments', { patient_id: p.id, doctor_id: doctor.id, walk_in: true, reason: 'Fever' }, doc);
  const open = await api('POST', '/api/v1/encounters', { appointment_id: (await walkIn(inConsultation)).id, notes: 'Fever for two days.', diagnosis: 'Malaria' }, doc);
  const closed = await api('POST', '/api/v1/encounters', { appointment_id: (await walkIn(billed)).id, notes: 'Fever; RDT positive.', diagnosis: 'Malaria' }, doc);
  await api('POST', `/api/v1/encounters/${closed.id}/prescriptions`, { medication_id: med.id, dosage: '4 tablets', frequency: 'twice a day', duration: '3 days', quantity: 24 }, doc);
  await api('POST', `/api/v1/encounters/${closed.id}/close`, { version: closed.version }, doc);
  await walkIn(waiting);
  const bill = (await api('GET', `/api/v1/bills?patient_id=${billed.id}`)).items[0];
  assert.ok(bill, 'closing the consultation opened a bill');
  return { encounterId: open.id, billId: bill.id };
}

let fixturesOnce;
const clinicDay = () => (fixturesOnce ??= fixtures());

/**
 * PAGES: each page of the issue, who opens it, where, and what says it is ready. rows lists the
 * table rows whose actions must be reachable on a phone.
 */
const PAGES = (fx) => [
  { name: 'patients', role: 'receptionist', path: '/patients?q=Mwakilema', ready: '[data-testid=patient-search-page] [role=option]', rows: '[data-testid=patient-search-page] [role=option]', actions: true },
  { name: 'registration', role: 'receptionist', path: '/patients/new', ready: '[data-testid=patient-register-form]' },
  { name: 'queue', role: 'receptionist', path: '/appointments/queue', ready: '[data-testid=queue] tbody tr', rows: '[data-testid=queue] tbody tr', actions: true },
  { name: 'consultation', role: 'doctor', path: `/consultations/${fx.encounterId}`, ready: '[data-testid=consultation]', rows: '[data-testid=consultation] table tbody tr' },
  { name: 'dispensing', role: 'pharmacist', path: '/prescriptions', ready: '[data-testid=dispense-queue] tr[data-prescription]', rows: '[data-testid=dispense-queue] tbody tr', actions: true },
  { name: 'bill', role: 'cashier', path: `/billing/${fx.billId}`, ready: `[data-testid=bill-page][data-bill-id="${fx.billId}"]`, rows: '[data-testid=bill-page] table tbody tr' },
];

/** axeViolations runs axe-core in the page and returns its critical and serious violations. */
async function axeViolations(page) {
  // evaluated through the DevTools protocol, as the page's CSP (rightly) refuses inline scripts
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${AXE}\n;true`);
  // let transitions (modals, menus) finish, or colours are measured half-faded
  await page.waitForTimeout(400);
  // axe's default rule set (WCAG 2.x A and AA, and best practices)
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
}

/** describe prints violations so that a failure says what to fix and where. */
function describe(where, violations) {
  return violations
    .map((v) => `${where}: [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.html.slice(0, 160)}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`).join('\n')}`)
    .join('\n');
}

/** truncatedLabels lists the visible labels, buttons, tabs, badges and headers whose text is cut. */
function truncatedLabels(page) {
  return page.evaluate(() => {
    const sel = 'label, th, button, [role=tab], [role=menuitem], .mantine-Badge-label, .mantine-Button-label, .mantine-NavLink-label, .mantine-InputWrapper-label, legend, h1, h2, h3, h4';
    const out = [];
    for (const el of document.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1 || !el.textContent?.trim() || el.closest('.visually-hidden')) continue;
      const s = getComputedStyle(el);
      if (s.visibility === 'hidden') continue;
      const clips = s.textOverflow === 'ellipsis' || s.overflowX === 'hidden' || s.overflowX === 'clip' || s.whiteSpace === 'nowrap';
      if (!clips) continue;
      if (el.scrollWidth > el.clientWidth + 1 && s.overflowX !== 'visible') out.push(`${el.tagName.toLowerCase()} "${el.textContent.trim()}" (${el.scrollWidth} > ${el.clientWidth} px)`);
      else if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) out.push(`${el.tagName.toLowerCase()} "${el.textContent.trim()}" (ellipsis)`);
    }
    return out;
  });
}

/**
 * unreachableActions lists the buttons and links of the rows that a phone user cannot get to:
 * outside the screen after scrolling to them, covered by something else, or inside a box that
 * hides its overflow (so a finger could not scroll there).
 */
function unreachableActions(page, rows) {
  return page.evaluate(async (rowSel) => {
    const out = [];
    const act = 'button, a[href], [role=button], [role=option], input, select';
    const actions = [...document.querySelectorAll(rowSel)].flatMap((row) => [...(row.matches(act) ? [row] : []), ...row.querySelectorAll(act)]);
    for (const el of actions) {
      if (el.closest('[aria-hidden=true]')) continue;
      const name = `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40)}"`;
      for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (a.scrollWidth > a.clientWidth + 1 && (s.overflowX === 'hidden' || s.overflowX === 'clip') && a !== document.body) {
          out.push(`${name}: inside a box that hides what overflows (${a.className})`);
        }
      }
      el.scrollIntoView({ block: 'center', inline: 'center' });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.right > window.innerWidth + 1) {
        out.push(`${name}: off the screen (${Math.round(r.left)}..${Math.round(r.right)} px)`);
        continue;
      }
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || !(el === hit || el.contains(hit) || hit.contains(el))) out.push(`${name}: covered by ${hit?.tagName.toLowerCase()}.${hit?.className}`);
    }
    // the page itself may not scroll sideways: only the tables' own scroll areas do
    window.scrollTo(0, window.scrollY);
    if (document.documentElement.scrollWidth > window.innerWidth + 1) {
      // name the outermost elements that stick out, to say what to fix
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1));
      const what = wide.slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').slice(-2).join('.')}${e.dataset.testid ? `[${e.dataset.testid}]` : ''}`);
      out.push(`the page is ${document.documentElement.scrollWidth} px wide at ${window.innerWidth} px: ${what.join(', ')}`);
    }
    return { out, count: actions.length };
  }, rows);
}

async function open(page, url, p) {
  await page.goto(url + p.path);
  await page.locator(p.ready).first().waitFor();
  await page.waitForLoadState('networkidle');
}

test('no critical or serious axe violation on the clinic pages, in English and French', { timeout: 600_000 }, async () => {
  const fx = await clinicDay();
  const { chelal } = clinic;
  const failures = [];
  for (const lang of ['en', 'fr']) {
    // the login screen, before anyone logs in (the browser's language chooses it)
    const login = await newPage(clinic.browser, { locale: LOCALES[lang] });
    await scenario(`a11y-login-${lang}`, login, async () => {
      await login.goto(chelal.url + '/');
      await login.locator('[data-testid=login-form]').waitFor();
      assert.equal(await login.evaluate(() => document.documentElement.lang), lang);
      const v = await axeViolations(login);
      if (v.length) failures.push(describe(`login (${lang})`, v));
    });
    await login.context().close();

    const byRole = new Map();
    for (const p of PAGES(fx)) {
      let page = byRole.get(p.role);
      if (!page) {
        page = await newPage(clinic.browser, { locale: LOCALES[lang] });
        await loginUI(page, chelal.url, `${ROLES[p.role]}_${lang}`, PASSWORD);
        byRole.set(p.role, page);
      }
      await scenario(`a11y-${p.name}-${lang}`, page, async () => {
        await open(page, chelal.url, p);
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang, 'the user’s language applies');
        const v = await axeViolations(page);
        if (v.length) failures.push(describe(`${p.name} (${lang})`, v));
      });
    }
    // the user menu, open (its items are checked too)
    const page = byRole.get('receptionist');
    await page.locator('[data-testid=user-menu]').click();
    await page.locator('[data-testid=logout]').waitFor();
    const v = await axeViolations(page);
    if (v.length) failures.push(describe(`user menu (${lang})`, v));
    await page.keyboard.press('Escape');
    for (const pg of byRole.values()) {
      assert.deepEqual(pg.jsErrors, []);
      await pg.context().close();
    }
  }
  assert.equal(failures.length, 0, `axe-core found critical or serious violations:\n${failures.join('\n')}`);
});

test('at 390 px: the log-out menu and every row action are reachable, and no label is cut in French or Swahili', { timeout: 600_000 }, async () => {
  const fx = await clinicDay();
  const { chelal } = clinic;
  const failures = [];
  for (const lang of ['en', 'fr', 'sw']) {
    const byRole = new Map();
    for (const p of PAGES(fx)) {
      let page = byRole.get(p.role);
      if (!page) {
        page = await newPage(clinic.browser, { locale: LOCALES[lang] });
        await page.setViewportSize({ width: 390, height: 844 });
        await loginUI(page, chelal.url, `${ROLES[p.role]}_${lang}`, PASSWORD);
        byRole.set(p.role, page);
      }
      await scenario(`small-${p.name}-${lang}`, page, async () => {
        await open(page, chelal.url, p);
        if (p.rows) {
          const { out, count } = await unreachableActions(page, p.rows);
          if (p.actions) assert.ok(count > 0, `${p.name}: the rows have actions to check`);
          for (const o of out) failures.push(`${p.name} (${lang}, 390 px): ${o}`);
        }
        if (lang !== 'en') {
          for (const o of await truncatedLabels(page)) failures.push(`${p.name} (${lang}, 390 px): cut: ${o}`);
          await page.setViewportSize({ width: 1280, height: 800 });
          await page.waitForTimeout(200);
          for (const o of await truncatedLabels(page)) failures.push(`${p.name} (${lang}, 1280 px): cut: ${o}`);
          await page.setViewportSize({ width: 390, height: 844 });
          await page.waitForTimeout(200);
        }
      });
    }
    const page = byRole.get('receptionist');
    await scenario(`small-menus-${lang}`, page, async () => {
      await page.goto(chelal.url + '/');
      await page.locator('[data-testid=user-menu]').waitFor();
      // the navigation hides behind the burger, which opens it
      const onScreen = async () => {
        const b = await page.locator('[data-testid=main-nav]').boundingBox();
        return !!b && b.x >= 0 && b.x + b.width <= 390;
      };
      assert.equal(await onScreen(), false, 'the navigation is folded at 390 px');
      await page.locator('.mantine-Burger-root').click();
      await page.waitForTimeout(400);
      assert.equal(await onScreen(), true, 'the burger unfolds the navigation');
      await page.locator('[data-testid=main-nav] [data-area=patients]').click();
      await page.locator('[data-testid=patient-search-page-input]').waitFor();
      // the user menu, and log-out in it, on the screen
      const menu = page.locator('[data-testid=user-menu]');
      const box = await menu.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the user menu is on the screen (${JSON.stringify(box)})`);
      await menu.click();
      const logout = page.locator('[data-testid=logout]');
      await logout.waitFor();
      const lb = await logout.boundingBox();
      assert.ok(lb && lb.x >= 0 && lb.x + lb.width <= 390, 'log-out is on the screen');
      if (lang !== 'en') for (const o of await truncatedLabels(page)) failures.push(`menus (${lang}, 390 px): cut: ${o}`);
      await logout.click();
      await page.locator('[data-testid=login-form]').waitFor();
      if (lang !== 'en') for (const o of await truncatedLabels(page)) failures.push(`login (${lang}, 390 px): cut: ${o}`);
    });
    for (const pg of byRole.values()) {
      assert.deepEqual(pg.jsErrors, []);
      await pg.context().close();
    }
  }
  assert.equal(failures.length, 0, `on a phone:\n${failures.join('\n')}`);
});
