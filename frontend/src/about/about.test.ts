import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { TFunction } from 'i18next';
import en from '../i18n/locales/en.json';
import fr from '../i18n/locales/fr.json';
import sw from '../i18n/locales/sw.json';
import { updateMessage } from './messages';
import { UPDATE_CODES, updateForm } from './upload';

describe('update from file', () => {
  it('sends the signature and the executable under the names the server reads', () => {
    const form = updateForm(new Blob(['exe']), new Blob(['sig']), { executable: 'chelal-v2-linux-x64', signature: 'chelal-v2-linux-x64.sig' });
    expect([...form.keys()]).toEqual(['signature', 'executable']);
    expect((form.get('executable') as File).name).toBe('chelal-v2-linux-x64');
  });

  it('every refusal code of the server has a sentence in each language', () => {
    for (const cat of [en, fr, sw]) {
      expect(Object.keys(cat.about.codes).sort()).toEqual([...UPDATE_CODES].sort());
    }
  });

  it('shows the server’s own sentence in English, the catalog’s otherwise', () => {
    const err = new ApiError(422, { type: 'https://chelal.app/problems/update-tampered', detail: 'The executable does not match its signature (exact).' });
    const t = ((key: string) => key) as unknown as TFunction;
    expect(updateMessage(err, t, 'en')).toBe('The executable does not match its signature (exact).');
    expect(updateMessage(err, t, 'fr')).toBe('about.codes.update-tampered');
    expect(updateMessage(new ApiError(409, { type: 'https://chelal.app/problems/stale-version' }), t, 'fr')).toBe('problems.stale-version');
  });
});
