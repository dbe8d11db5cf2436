import { describe, expect, it } from 'vitest';
import type { Backup } from '../api/types';
import { STALE_HOURS, formatAge, formatMegabytes, lastGoodBackup } from './age';

const now = new Date('2026-11-27T15:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();

function backup(file: string, createdHoursAgo: number, verification: 'ok' | 'failed' | null): Backup {
  const created_at = hoursAgo(createdHoursAgo);
  return {
    file,
    size: 1_234_567,
    created_at,
    verification:
      verification === null
        ? null
        : { ok: verification === 'ok', verified_at: created_at, tables: 20, rows: 300, ...(verification === 'failed' ? { error: 'table patients differs' } : {}) },
  };
}

describe('lastGoodBackup', () => {
  it('no backup at all: none, stale', () => {
    expect(lastGoodBackup([], now)).toEqual({ backup: null, ageMs: null, stale: true });
  });

  it('the newest verified-good backup, fresh', () => {
    const items = [backup('c', 1, null), backup('b', 3, 'ok'), backup('a', 30, 'ok')];
    const r = lastGoodBackup(items, now);
    expect(r.backup?.file).toBe('b');
    expect(r.ageMs).toBe(3 * 3_600_000);
    expect(r.stale).toBe(false);
  });

  it('only failed or unverified backups: none, stale', () => {
    const r = lastGoodBackup([backup('b', 1, 'failed'), backup('a', 2, null)], now);
    expect(r.backup).toBeNull();
    expect(r.ageMs).toBeNull();
    expect(r.stale).toBe(true);
  });

  it('a newer failed backup does not hide an older good one, which is stale past 26 hours', () => {
    const r = lastGoodBackup([backup('b', 1, 'failed'), backup('a', STALE_HOURS + 1, 'ok')], now);
    expect(r.backup?.file).toBe('a');
    expect(r.stale).toBe(true);
    expect(lastGoodBackup([backup('a', STALE_HOURS - 1, 'ok')], now).stale).toBe(false);
  });

  it('does not rely on the order of the list', () => {
    expect(lastGoodBackup([backup('old', 10, 'ok'), backup('new', 2, 'ok')], now).backup?.file).toBe('new');
  });
});

describe('formatAge and formatMegabytes', () => {
  it('says how long ago in the language', () => {
    expect(formatAge(3 * 3_600_000, 'en')).toBe('3 hours ago');
    expect(formatAge(5 * 60_000, 'en')).toBe('5 minutes ago');
    expect(formatAge(3 * 24 * 3_600_000, 'en')).toBe('3 days ago');
    expect(formatAge(3 * 3_600_000, 'fr')).toBe('il y a 3 heures');
  });

  it('sizes in megabytes', () => {
    expect(formatMegabytes(13_002_342, 'en')).toBe('12.4');
    expect(formatMegabytes(52_429, 'en')).toBe('0.05');
    expect(formatMegabytes(4_400, 'en')).toBe('0.0042');
    expect(formatMegabytes(13_002_342, 'fr')).toBe('12,4');
  });
});
