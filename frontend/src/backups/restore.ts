// The logic of the Backups screen's newer parts, kept out of the components so it is tested:
// the restore's progress, sizes in the language, and waiting for Chelal to answer again after
// it restarted on restored data.
import type { RestoreStatus } from '../api/types';
import { LOCALES, isLanguage } from '../i18n/languages';

/** How often the screen asks how a restore is going. */
export const RESTORE_POLL_MS = 500;

/** isFinished: the restore ended, well or badly. */
export function isFinished(st: Pick<RestoreStatus, 'state'> | undefined): boolean {
  return st?.state === 'done' || st?.state === 'failed';
}

/** restorePercent is the part of the tables restored, 0-100 (100 once done; 0 before the tables are counted). */
export function restorePercent(st: Pick<RestoreStatus, 'state' | 'tables_done' | 'tables_total'>): number {
  if (st.state === 'done') return 100;
  if (!(st.tables_total > 0) || !(st.tables_done > 0)) return 0;
  return Math.min(100, Math.max(0, Math.floor((st.tables_done / st.tables_total) * 100)));
}

const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** formatBytes: a size with its unit in the language ("0.5 kB", "12 kB", "12.4 MB", "12,4 Mo", "1.5 GB"); 1 kB = 1024 bytes. */
export function formatBytes(bytes: number, lang: string): string {
  let v = (Number.isFinite(bytes) && bytes > 0 ? bytes : 0) / 1024;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  // one decimal below 10, and below 100 from megabytes up; none when it is .0
  const digits = v < 10 || (i >= 1 && v < 100) ? 1 : 0;
  return new Intl.NumberFormat(isLanguage(lang) ? LOCALES[lang] : lang, {
    style: 'unit',
    unit: UNITS[i],
    unitDisplay: 'short',
    maximumFractionDigits: digits,
  }).format(v);
}

export interface WaitOptions {
  /** The fetch to use (tests pass their own); it must not trigger the app's offline banner. */
  fetch?: typeof globalThis.fetch;
  intervalMs?: number;
  /** Give up after this long (Chelal could not restart: its 503 says why). */
  timeoutMs?: number;
  /** Each answer that is not 200: the problem's detail, when it has one. */
  onWaiting?: (detail: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * waitForRestartToBegin waits until the server that ran the restore has stopped answering
 * "done" about it (GET /api/v1/backups/restore): Chelal restarts a moment after the restore,
 * and its health says 200 until then. A restarting Chelal answers 503; the restarted one
 * knows of no restore ("idle") or of no session (401). Gives up after timeoutMs (default 30 s).
 */
export async function waitForRestartToBegin(database: string | undefined, opts: WaitOptions = {}): Promise<void> {
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const interval = opts.intervalMs ?? 500;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const res = await doFetch('/api/v1/backups/restore', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (res.status !== 200) return;
      const st = (await res.json()) as Partial<RestoreStatus>;
      if (st.state !== 'done' || (database && st.database !== database)) return;
    } catch {
      return; // no answer: restarting
    }
    if (now() >= deadline) return;
    await sleep(interval);
  }
}

/**
 * waitForHealth asks GET /api/v1/health until it answers 200 (a restarting Chelal answers 503,
 * or nothing for a moment). True when it answered; false when timeoutMs passed first.
 */
export async function waitForHealth(opts: WaitOptions = {}): Promise<boolean> {
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const interval = opts.intervalMs ?? 1000;
  const timeout = opts.timeoutMs ?? 5 * 60_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + timeout;
  for (;;) {
    try {
      const res = await doFetch('/api/v1/health', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (res.status === 200) return true;
      let detail = '';
      try {
        const body: unknown = await res.json();
        if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string') detail = body.detail;
      } catch {
        // not problem+json
      }
      opts.onWaiting?.(detail);
    } catch {
      // no answer while Chelal restarts
      opts.onWaiting?.('');
    }
    if (now() >= deadline) return false;
    await sleep(interval);
  }
}
