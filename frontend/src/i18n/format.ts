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

/** formatTime: the time of day of a date-time, in the browser's time zone ("09:41"). */
export function formatTime(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { hour: '2-digit', minute: '2-digit', hour12: false }).format(d) : String(value);
}

/** formatDay: a calendar day with its weekday, short ("Mon 2 Mar"), for schedule columns. */
export function formatDay(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { weekday: 'short', day: 'numeric', month: 'short' }).format(d) : String(value);
}

/** formatLongDay: a day with its weekday in full ("Monday 2 March 2026"), for headings. */
export function formatLongDay(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(d) : String(value);
}

const RELATIVE_STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
];

/**
 * formatRelative: how long ago (or until) a recent moment is ("5 minutes ago", "il y a 5 minutes",
 * "dakika 5 zilizopita", "yesterday"); a week or more away it is the date and time (formatDateTime).
 */
export function formatRelative(value: string | Date, lang: string, now: number = Date.now()): string {
  const d = toDate(value);
  if (!d) return String(value);
  let amount = (d.getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale(lang), { numeric: 'auto' });
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(amount) < size) return rtf.format(Math.trunc(amount), unit);
    amount /= size;
  }
  return formatDateTime(d, lang);
}
