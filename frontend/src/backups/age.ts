// The age of the last good backup: the newest backup whose verification (a restore into a
// scratch database) succeeded. The home page shows it to administrators, in orange when it is
// missing or older than STALE_HOURS (a day's backup plus a little slack).
import type { Backup } from '../api/types';
import { LOCALES, isLanguage } from '../i18n/languages';

export const STALE_HOURS = 26;

export interface LastGoodBackup {
  /** The newest verified-good backup, or null when there is none. */
  backup: Backup | null;
  /** Its age in milliseconds (never negative), or null when there is none. */
  ageMs: number | null;
  /** True when there is no good backup or it is older than STALE_HOURS. */
  stale: boolean;
}

/** lastGoodBackup picks the newest backup with verification.ok among items (in any order). */
export function lastGoodBackup(items: readonly Backup[], now: Date = new Date()): LastGoodBackup {
  let best: Backup | null = null;
  let bestAt = -Infinity;
  for (const b of items) {
    if (!b.verification?.ok) continue;
    const at = new Date(b.created_at).getTime();
    if (Number.isNaN(at)) continue;
    if (at > bestAt) {
      best = b;
      bestAt = at;
    }
  }
  if (!best) return { backup: null, ageMs: null, stale: true };
  const ageMs = Math.max(0, now.getTime() - bestAt);
  return { backup: best, ageMs, stale: ageMs > STALE_HOURS * 3_600_000 };
}

/** formatAge says how long ago, in the language: "3 hours ago", "il y a 3 heures", "saa 3 zilizopita". */
export function formatAge(ageMs: number, lang: string): string {
  const rtf = new Intl.RelativeTimeFormat(isLanguage(lang) ? LOCALES[lang] : lang, { numeric: 'auto' });
  const minutes = Math.floor(ageMs / 60_000);
  if (minutes < 60) return rtf.format(-minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return rtf.format(-hours, 'hour');
  return rtf.format(-Math.floor(hours / 24), 'day');
}

/** formatMegabytes: a size in bytes as megabytes (MiB): one decimal, two significant digits below 1 MB ("12.4", "0.05", "0.0042"). */
export function formatMegabytes(bytes: number, lang: string): string {
  const mb = bytes / 1_048_576;
  const opts: Intl.NumberFormatOptions = mb >= 1 ? { minimumFractionDigits: 1, maximumFractionDigits: 1 } : { maximumSignificantDigits: 2 };
  return new Intl.NumberFormat(isLanguage(lang) ? LOCALES[lang] : lang, opts).format(mb);
}
