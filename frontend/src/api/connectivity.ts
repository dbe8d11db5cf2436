// Connectivity: whether the server answers. A request that fails with a network error marks
// it offline; one answered 503 database-unavailable marks the database down (the server
// restarts it by itself). From then on /api/v1/health is polled every few seconds until it
// answers 200, which marks it online again and tells the listeners (the app refetches what it
// shows).

/** online; offline: no answer at all; database: the server answers but its database does not. */
export type ConnectivityStatus = 'online' | 'offline' | 'database';

export interface ConnectivityOptions {
  fetch?: typeof globalThis.fetch;
  healthUrl?: string;
  intervalMs?: number;
}

export function createConnectivity(options: ConnectivityOptions = {}) {
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const healthUrl = options.healthUrl ?? '/api/v1/health';
  const intervalMs = options.intervalMs ?? 3000;
  let status: ConnectivityStatus = 'online';
  let timer: ReturnType<typeof setTimeout> | null = null;
  const listeners = new Set<() => void>();
  const recoveredListeners = new Set<() => void>();

  function set(next: ConnectivityStatus) {
    if (status === next) return;
    const wasDown = status !== 'online';
    status = next;
    for (const l of listeners) l();
    if (next === 'online' && wasDown) for (const l of recoveredListeners) l();
  }

  /** check asks /health once; true when the server answered 200. */
  async function check(): Promise<boolean> {
    try {
      const res = await doFetch(healthUrl, { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (res.ok) {
        stopPolling();
        set('online');
        return true;
      }
    } catch {
      // still unreachable
    }
    return false;
  }

  function schedule() {
    if (timer !== null) return;
    timer = setTimeout(async () => {
      timer = null;
      if (!(await check()) && status !== 'online') schedule();
    }, intervalMs);
  }

  function stopPolling() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  return {
    isOnline: () => status === 'online',
    status: () => status,
    /** Called by the API client when a request got no answer. */
    reportNetworkError() {
      set('offline');
      schedule();
    },
    /** Called by the API client when a request was answered 503 database-unavailable. */
    reportDatabaseUnavailable() {
      set('database');
      schedule();
    },
    check,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Called each time the server answers again after being unreachable. */
    onRecovered(listener: () => void) {
      recoveredListeners.add(listener);
      return () => recoveredListeners.delete(listener);
    },
    stop: stopPolling,
  };
}

export type Connectivity = ReturnType<typeof createConnectivity>;
