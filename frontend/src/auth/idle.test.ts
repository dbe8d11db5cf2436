import { describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT_MS, IDLE_WARNING_MS, idleMinutes, idlePhase, idleTimeoutMs, needsKeepalive, secondsLeft, warningMs } from './idle';

describe('automatic logoff clock', () => {
  const t0 = 1_000_000;
  it('is active, then warns a minute before, then expires at the timeout', () => {
    expect(IDLE_TIMEOUT_MS).toBe(15 * 60_000);
    expect(IDLE_WARNING_MS).toBe(60_000);
    expect(idlePhase(t0 + 13 * 60_000, t0)).toBe('active');
    expect(idlePhase(t0 + 14 * 60_000 - 1, t0)).toBe('active');
    expect(idlePhase(t0 + 14 * 60_000, t0)).toBe('warning');
    expect(secondsLeft(t0 + 14 * 60_000, t0)).toBe(60);
    expect(secondsLeft(t0 + 14 * 60_000 + 59_500, t0)).toBe(1);
    expect(idlePhase(t0 + 15 * 60_000, t0)).toBe('expired');
    expect(secondsLeft(t0 + 16 * 60_000, t0)).toBe(0);
  });

  it('keeps the server session alive only when the user was active since its last answer', () => {
    expect(needsKeepalive(t0 + 120_000, t0 + 100_000, t0)).toBe(true);
    expect(needsKeepalive(t0 + 30_000, t0 + 20_000, t0)).toBe(false); // answered recently
    expect(needsKeepalive(t0 + 120_000, t0 - 1, t0)).toBe(false); // idle since
  });

  it('uses the server\'s session_idle_seconds, 15 minutes when it does not say', () => {
    expect(idleTimeoutMs(600)).toBe(600_000);
    expect(idleTimeoutMs(undefined)).toBe(IDLE_TIMEOUT_MS);
    expect(idleTimeoutMs(0)).toBe(IDLE_TIMEOUT_MS);
    expect(idleTimeoutMs(Number.NaN)).toBe(IDLE_TIMEOUT_MS);
    expect(warningMs(600_000)).toBe(60_000);
    expect(warningMs(60_000)).toBe(30_000);
    expect(idleMinutes(600_000)).toBe(10);
    expect(idleMinutes(20_000)).toBe(1);
    const t0 = 1_000_000;
    expect(idlePhase(t0 + 9 * 60_000, t0, 600_000)).toBe('warning');
    expect(idlePhase(t0 + 10 * 60_000, t0, 600_000)).toBe('expired');
  });
});
