// A French or Swahili user sees every field error of the server in their language: each code
// the server uses (internal/apperr) has the catalog's sentence, never the server's English.
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import en from '../i18n/locales/en.json';
import fr from '../i18n/locales/fr.json';
import sw from '../i18n/locales/sw.json';
import { fieldMessage, serverFieldErrors } from './errors';

// internal/apperr's field error codes, with an English message as the server writes it.
const SERVER = [
  { code: 'required', message: 'Give the dose, e.g. 500 mg.' },
  { code: 'too_long', message: 'At most 100 characters.' },
  { code: 'too_short', message: 'At least 12 characters.' },
  { code: 'invalid', message: 'There is no such category.' },
  { code: 'out_of_range', message: 'Between 1 and 100000.' },
  { code: 'invalid_type', message: 'A number is expected.' },
  { code: 'duplicate', message: 'This username is taken.' },
  { code: 'unknown_field', message: 'Unknown field.' },
] as const;

const catalogs = { fr, sw } as const;

describe('field errors in the user language', () => {
  for (const lang of ['fr', 'sw'] as const) {
    it(`${lang}: every server code is the catalog's sentence, not the English message`, async () => {
      const i = i18next.createInstance();
      await i.init({ lng: lang, fallbackLng: 'en', resources: { en: { translation: en }, [lang]: { translation: catalogs[lang] } } });
      for (const fe of SERVER) {
        const got = fieldMessage({ field: 'x', ...fe }, i.t, lang);
        expect(got, fe.code).toBe((catalogs[lang].fieldErrors as Record<string, string>)[fe.code]);
        expect(got, fe.code).not.toBe(fe.message);
        expect(got, fe.code).not.toBe((en.fieldErrors as Record<string, string>)[fe.code]);
      }
    });
  }

  it('a form places them beside its fields (fr), and in English keeps the server message', async () => {
    const i = i18next.createInstance();
    await i.init({ lng: 'fr', fallbackLng: 'en', resources: { en: { translation: en }, fr: { translation: fr } } });
    const err = new ApiError(422, {
      type: 'https://x/problems/invalid',
      title: 'Invalid input',
      status: 422,
      detail: 'Some fields are invalid.',
      errors: [
        { field: 'category_id', code: 'invalid', message: 'There is no such category.' },
        { field: 'name', code: 'too_long', message: 'At most 255 characters.' },
      ],
    });
    expect(serverFieldErrors(err, ['category_id', 'name'], i.t, 'fr').errors).toEqual({
      category_id: fr.fieldErrors.invalid,
      name: fr.fieldErrors.too_long,
    });
    expect(serverFieldErrors(err, ['category_id', 'name'], i.t, 'en').errors).toEqual({
      category_id: 'There is no such category.',
      name: 'At most 255 characters.',
    });
  });
});
