// Dates and money formatted for the UI's language with Intl. Money arrives from the API as a
// decimal string ("1250.00") and is formatted from the string, never through a float.
//
// Times are shown in the clinic's time zone (the timezone setting), whatever the zone of the
// workstation's clock: a visit at 09:00 in Nairobi reads 09:00 on a laptop set to UTC, as on
// the printed receipt. Money is shown in the clinic's currency. Both are set once the clinic's
// settings are known (setClinicFormat, called by the shell before it renders any screen).
import { LOCALES, isLanguage } from './languages';

let clinicZone: string | undefined;
let clinicCurrency: string | undefined;

/**
 * setClinicFormat sets the clinic's time zone (IANA name; empty: the browser's own) and
 * currency (ISO 4217; empty: none shown) used by every formatter below. A name Intl does not
 * know is ignored rather than breaking every screen.
 */
export function setClinicFormat(timeZone: string | undefined, currency: string | undefined): void {
  clinicZone = undefined;
  if (timeZone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      clinicZone = timeZone;
    } catch {
      clinicZone = undefined;
    }
  }
  clinicCurrency = undefined;
  if (currency) {
    try {
      new Intl.NumberFormat('en', { style: 'currency', currency });
      clinicCurrency = currency;
    } catch {
      clinicCurrency = undefined;
    }
  }
}

/** clinicTimeZone is the zone times are shown in (undefined: the browser's). */
export function clinicTimeZone(): string | undefined {
  return clinicZone;
}

/** clinicToday is today's date in the clinic's zone, as YYYY-MM-DD. */
export function clinicToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: clinicZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** clinicWallClock is the clinic's date and time of day at now, "YYYY-MM-DD HH:MM". */
export function clinicWallClock(now: Date = new Date()): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: clinicZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(now).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function locale(lang: string): string {
  return isLanguage(lang) ? LOCALES[lang] : lang;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function toDate(value: string | Date): Date | null {
  const d = typeof value === 'string' ? new Date(DATE_ONLY.test(value) ? value + 'T00:00:00Z' : value) : value;
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * zoneOf is the zone a value is shown in: a calendar day ("2026-02-12", a birth date) is the
 * same day everywhere (read and shown in UTC); a moment is shown in the clinic's zone.
 */
function zoneOf(value: string | Date): string | undefined {
  return typeof value === 'string' && DATE_ONLY.test(value) ? 'UTC' : clinicZone;
}

/** formatDate: "27 Nov 2026", "27 nov. 2026", "27 Nov 2026" (sw), by language. */
export function formatDate(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeZone: zoneOf(value) }).format(d) : String(value);
}

/** formatDateTime: date and time of day, in the clinic's time zone. */
export function formatDateTime(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeStyle: 'short', timeZone: zoneOf(value) }).format(d) : String(value);
}

/**
 * formatMoney formats a decimal string with two decimals for the language, with the
 * currency's symbol: the one given (ISO 4217), else the clinic's. Intl formats the string
 * exactly.
 */
export function formatMoney(amount: string, lang: string, currency: string | undefined = clinicCurrency): string {
  if (!/^-?\d+(\.\d+)?$/.test(amount.trim())) return amount;
  const nf = new Intl.NumberFormat(locale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    // the code ("KES 1,250.00", "1 250,00 KES"), as printed receipts write it
    ...(currency ? { style: 'currency', currency, currencyDisplay: 'code' } : {}),
  });
  return nf.format(amount.trim() as Intl.StringNumericLiteral);
}

/** formatTime: the time of day of a date-time, in the clinic's time zone ("09:41"). */
export function formatTime(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zoneOf(value) }).format(d) : String(value);
}

/** formatDay: a calendar day with its weekday, short ("Mon 2 Mar"), for schedule columns. */
export function formatDay(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { weekday: 'short', day: 'numeric', month: 'short', timeZone: zoneOf(value) }).format(d) : String(value);
}

/** formatLongDay: a day with its weekday in full ("Monday 2 March 2026"), for headings. */
export function formatLongDay(value: string | Date, lang: string): string {
  const d = toDate(value);
  return d ? new Intl.DateTimeFormat(locale(lang), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zoneOf(value) }).format(d) : String(value);
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
