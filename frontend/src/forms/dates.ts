// Dates as users type and read them in a date field: day first by default (DD/MM/YYYY, as in
// Kenya, Tanzania and France: never 12/02/2026 for the 2nd of December), whatever the browser's
// language or clock; the value kept and sent to the API is always ISO (YYYY-MM-DD). A calendar
// day has no time zone, so nothing here reads the browser's zone.

/** The formats a date field can show and read. */
export const DATE_FORMATS = ['DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const DEFAULT_FORMAT: DateFormat = 'DD/MM/YYYY';
let clinicFormat: DateFormat = DEFAULT_FORMAT;

/** setClinicDateFormat sets the clinic's date format (an unknown one: the default, DD/MM/YYYY). */
export function setClinicDateFormat(f: string | undefined): void {
  clinicFormat = (DATE_FORMATS as readonly string[]).includes(f ?? '') ? (f as DateFormat) : DEFAULT_FORMAT;
}

/** dateInputFormat is the format date fields show and read. */
export function dateInputFormat(): DateFormat {
  return clinicFormat;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** isIso reports whether v is a real calendar day written YYYY-MM-DD. */
export function isIso(v: string): boolean {
  const m = ISO.exec(v);
  return !!m && validDay(+m[1]!, +m[2]!, +m[3]!);
}

function validDay(y: number, m: number, d: number): boolean {
  if (y < 1000 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * parseDateInput reads what a user typed in format f ("2/12/2026", "02.12.2026" and
 * "02-12-2026" for DD/MM/YYYY; an ISO date is always understood) as YYYY-MM-DD, or null when it
 * is not a real day. Years have four digits: "02/12/26" is not guessed.
 */
export function parseDateInput(text: string, f: DateFormat = clinicFormat): string | null {
  const parts = text.trim().split(/[\s./-]+/);
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) return null;
  let y: string, m: string, d: string;
  if (parts[0]!.length === 4 || f === 'YYYY-MM-DD') [y, m, d] = parts as [string, string, string];
  else if (f === 'MM/DD/YYYY') [m, d, y] = parts as [string, string, string];
  else [d, m, y] = parts as [string, string, string];
  if (y.length !== 4 || m.length > 2 || d.length > 2) return null;
  return validDay(+y, +m, +d) ? `${y}-${pad(+m)}-${pad(+d)}` : null;
}

/** formatDateInput writes an ISO day in format f ("2026-12-02" -> "02/12/2026"); "" for none. */
export function formatDateInput(iso: string, f: DateFormat = clinicFormat): string {
  const m = ISO.exec(iso);
  if (!m) return '';
  return f.replace('YYYY', m[1]!).replace('MM', m[2]!).replace('DD', m[3]!);
}
