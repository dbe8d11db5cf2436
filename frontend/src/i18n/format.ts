// Dates and money formatted for the UI's language with Intl. Money arrives from the API as a
// decimal string ("1250.00") and is formatted from the string, never through a float.
import { LOCALES, isLanguage } from './languages';

function locale(lang: string): string {
  return isLanguage(lang) ? LOCALES[lang] : lang;
}

function toDate(value: string | Date): Date | null {
  const d = typeof value === 'string' ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? value + 'T00:00:00' : value) : value;
  return Number.isNaN(d.getTime()) ? null : d;
}

/** formatDate: "27 Nov 2026", "27 nov. 2026", "27 Nov 2026" (sw), by language. */
export function formatDate(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium' }).format(d) : String(value);
}

/** formatDateTime: date and time of day, in the browser's time zone. */
export function formatDateTime(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeStyle: 'short' }).format(d) : String(value);
}

/**
 * formatMoney formats a decimal string with two decimals for the language, with the
 * currency's symbol when currency (ISO 4217) is given. Intl formats the string exactly.
 */
export function formatMoney(amount: string, lang: string, currency?: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(amount.trim())) return amount;
  const nf = new Intl.NumberFormat(locale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    ...(currency ? { style: 'currency', currency } : {}),
  });
  return nf.format(amount.trim() as Intl.StringNumericLiteral);
}
