// The automatic logoff's clock: the server ends a session after its idle timeout
// (session_idle_seconds in the session answer, 15 minutes when absent); the UI logs off at the
// same moment, warning a minute before. Activity is the user's keyboard and
// pointer, not the app's own requests.

/** The server's default session idle timeout, used when the session answer does not say. */
export const IDLE_TIMEOUT_MS = 15 * 60_000;
/** How long before the logoff the warning shows. */
export const IDLE_WARNING_MS = 60_000;
/** Activity keeps the server's session alive with a request at most this often. */
export const KEEPALIVE_MS = 60_000;

/** idleTimeoutMs is the server's idle timeout (session_idle_seconds), or the 15-minute default. */
export function idleTimeoutMs(sessionIdleSeconds: number | null | undefined): number {
  return typeof sessionIdleSeconds === 'number' && Number.isFinite(sessionIdleSeconds) && sessionIdleSeconds > 0
    ? sessionIdleSeconds * 1000
    : IDLE_TIMEOUT_MS;
}

/** warningMs: a minute's warning, or half the timeout when that is shorter than two minutes. */
export function warningMs(timeoutMs: number): number {
  return Math.min(IDLE_WARNING_MS, Math.floor(timeoutMs / 2));
}

/** idleMinutes is the timeout as the logoff message says it (whole minutes, at least 1). */
export function idleMinutes(timeoutMs: number): number {
  return Math.max(1, Math.round(timeoutMs / 60_000));
}

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
