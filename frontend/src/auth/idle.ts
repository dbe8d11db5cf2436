// The automatic logoff's clock: the server ends a session after 15 idle minutes; the UI logs
// off at the same moment, warning a minute before. Activity is the user's keyboard and
// pointer, not the app's own requests.

/** The server's session idle timeout (CHELAL_SESSION_IDLE_MINUTES, default 15). */
export const IDLE_TIMEOUT_MS = 15 * 60_000;
/** How long before the logoff the warning shows. */
export const IDLE_WARNING_MS = 60_000;
/** Activity keeps the server's session alive with a request at most this often. */
export const KEEPALIVE_MS = 60_000;

export type IdlePhase = 'active' | 'warning' | 'expired';

export function idlePhase(now: number, lastActivity: number, timeoutMs = IDLE_TIMEOUT_MS, warningMs = IDLE_WARNING_MS): IdlePhase {
  const idle = now - lastActivity;
  if (idle >= timeoutMs) return 'expired';
  if (idle >= timeoutMs - warningMs) return 'warning';
  return 'active';
}

/** secondsLeft before the logoff, rounded up, never negative. */
export function secondsLeft(now: number, lastActivity: number, timeoutMs = IDLE_TIMEOUT_MS): number {
  return Math.max(0, Math.ceil((lastActivity + timeoutMs - now) / 1000));
}

/**
 * needsKeepalive: the user was active since the server last answered, and that was long
 * enough ago that the server should hear of it (its own idle clock counts requests).
 */
export function needsKeepalive(now: number, lastActivity: number, lastAnswer: number, everyMs = KEEPALIVE_MS): boolean {
  return lastActivity > lastAnswer && now - lastAnswer >= everyMs;
}
