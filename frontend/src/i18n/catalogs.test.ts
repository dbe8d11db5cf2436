import { describe, expect, it } from 'vitest';
import { catalogProblems, flatten, type Catalog } from './catalogs';
import en from './locales/en.json';
import fr from './locales/fr.json';
import sw from './locales/sw.json';

const catalogs: Record<string, Catalog> = { en, fr, sw };

describe('translation catalogs', () => {
  it('English has no empty string', () => {
    expect(catalogProblems(en, en, 'en')).toEqual([]);
  });

  for (const lang of ['fr', 'sw']) {
    it(`${lang} has exactly the keys of en, none empty, same placeholders`, () => {
      expect(catalogProblems(en, catalogs[lang]!, lang)).toEqual([]);
      // and the other way round: nothing English lacks
      expect(catalogProblems(catalogs[lang]!, en, `en vs ${lang}`)).toEqual([]);
    });

    it(`${lang} is translated, not English copied`, () => {
      const ref = flatten(en);
      const same = [...flatten(catalogs[lang]!)].filter(([k, v]) => ref.get(k) === v && v.includes(' ') && v.length > 12);
      // long sentences identical to the English are copies
      expect(same).toEqual([]);
    });
  }

  it('a missing, extra or empty key is reported (the check above can fail)', () => {
    const reference: Catalog = { a: { b: 'Hello {{name}}', c: 'Bye' }, d: 'x' };
    const broken: Catalog = { a: { b: 'Bonjour', c: '' }, e: 'y' };
    expect(catalogProblems(reference, broken, 'xx')).toEqual([
      'xx: missing d',
      'xx: a.b has placeholders {} instead of {name}',
      'xx: empty a.c',
      'xx: extra e (not in English)',
    ]);
  });

  it('the areas, roles and problem types the code names all have a sentence', () => {
    const keys = flatten(en);
    for (const area of ['patients', 'appointments', 'consultations', 'vitals', 'prescriptions', 'pharmacy', 'billing', 'reports', 'users', 'audit', 'backups', 'settings']) {
      expect(keys.has(`areas.${area}`), area).toBe(true);
      expect(keys.has(`areaHints.${area}`), area).toBe(true);
    }
    for (const role of ['admin', 'doctor', 'nurse', 'receptionist', 'pharmacist', 'cashier']) expect(keys.has(`roles.${role}`), role).toBe(true);
  });
});
