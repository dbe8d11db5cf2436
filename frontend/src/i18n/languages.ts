// The UI's languages: the three of the original system. A user's language_preference is one
// of these codes.
export const LANGUAGES = ['en', 'fr', 'sw'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's name in itself, as language switches show them (data, not UI copy). */
export const ENDONYMS: Record<Language, string> = { en: 'English', fr: 'Français', sw: 'Kiswahili' };

/** The BCP 47 tag Intl formats with for each language. */
export const LOCALES: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR', sw: 'sw-KE' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** pickLanguage returns the first supported language among the candidates ("fr-CA" gives fr). */
export function pickLanguage(candidates: readonly (string | null | undefined)[]): Language {
  for (const c of candidates) {
    if (!c) continue;
    const base = c.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}
