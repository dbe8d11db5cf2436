// i18next with the three catalogs bundled (no loading at run time: the clinic is offline).
// Every string the UI shows comes from these catalogs; `t` is typed against en.json, so a
// key missing from the English catalog does not compile, and a unit test checks that fr and
// sw have exactly the same keys.
import dayjs from 'dayjs';
import 'dayjs/locale/fr';
import 'dayjs/locale/sw';
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import fr from './locales/fr.json';
import sw from './locales/sw.json';
import { LANGUAGES, isLanguage, pickLanguage, type Language } from './languages';

export const resources = {
  en: { translation: en },
  fr: { translation: fr },
  sw: { translation: sw },
} as const;

const STORAGE_KEY = 'chelal.language';

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The language before anyone logs in: the last one used here, else the browser's. */
export function initialLanguage(): Language {
  return pickLanguage([storedLanguage(), ...(typeof navigator !== 'undefined' ? navigator.languages : [])]);
}

function applied(lng: string) {
  const lang = isLanguage(lng) ? lng : 'en';
  document.documentElement.lang = lang;
  dayjs.locale(lang);
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the language is simply not remembered
  }
}

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
});
applied(i18n.language);
i18n.on('languageChanged', applied);

/** currentLanguage is the UI's language now. */
export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'en';
}

export { i18n };
