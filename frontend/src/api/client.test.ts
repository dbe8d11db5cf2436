import { describe, expect, it, vi } from 'vitest';
import { ACTIVITY_HEADER, ApiError, CSRF_HEADER, NetworkError, USER_ACTION_MS, createApi, unwrap } from './client';
import { createConnectivity } from './connectivity';

const BASE = 'http://chelal.test';

function json(status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
}

function recorder(answer: (req: Request) => Response | Promise<Response> = () => json(200, {})) {
  const seen: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const req = input as Request;
    seen.push(req);
    return answer(req);
  });
  return { seen, fetch: fetch as unknown as typeof globalThis.fetch };
}

describe('CSRF header', () => {
  it('is sent on POST, PATCH, PUT and DELETE, never on GET', async () => {
    const { seen, fetch } = recorder(() => json(200, { user: {} }));
    const api = createApi({ baseUrl: BASE, fetch });
    api.setCsrfToken('tok-123');

    await api.client.GET('/api/v1/auth/me');
    await api.client.POST('/api/v1/auth/logout');
    await api.client.PATCH('/api/v1/auth/me', { body: { version: 1, language_preference: 'fr' } });
    await api.client.PATCH('/api/v1/users/{id}', { params: { path: { id: 3 } }, body: { version: 2 } });
    await api.fetch(`${BASE}/api/v1/auth/me/profile-image`, { method: 'PUT', body: new Uint8Array([1, 2]) });
    await api.fetch(`${BASE}/api/v1/anything`, { method: 'DELETE' });

    const byMethod = seen.map((r) => [r.method, r.headers.get(CSRF_HEADER)]);
    expect(byMethod).toEqual([
      ['GET', null],
      ['POST', 'tok-123'],
      ['PATCH', 'tok-123'],
      ['PATCH', 'tok-123'],
      ['PUT', 'tok-123'],
      ['DELETE', 'tok-123'],
    ]);
    expect(seen[3]!.url).toBe(`${BASE}/api/v1/users/3`);
  });

  it('is not sent before a token is known, nor after it is cleared', async () => {
    const { seen, fetch } = recorder();
    const api = createApi({ baseUrl: BASE, fetch });
    await api.client.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } });
    api.setCsrfToken('x');
    api.setCsrfToken(null);
    await api.client.POST('/api/v1/auth/logout');
    expect(seen.map((r) => r.headers.has(CSRF_HEADER))).toEqual([false, false]);
  });
});

describe('activity header', () => {
  it('marks writes and the reads sent soon after user input, not background reads', async () => {
    const { seen, fetch } = recorder(() => json(200, {}));
    const api = createApi({ baseUrl: BASE, fetch });
    const now = Date.now();

    await api.client.GET('/api/v1/notifications'); // no input yet: a background refresh
    await api.client.POST('/api/v1/auth/logout'); // a write is always the user's
    api.noteUserInput(now);
    await api.client.GET('/api/v1/patients/{id}', { params: { path: { id: 1 } } }); // right after a click
    api.noteUserInput(now - USER_ACTION_MS - 1000);
    await api.client.GET('/api/v1/notifications'); // a refresh long after the last input
    await api.client.GET('/api/v1/auth/me', { headers: { [ACTIVITY_HEADER]: 'user' } }); // the keepalive

    expect(seen.map((r) => r.headers.get(ACTIVITY_HEADER))).toEqual([null, 'user', 'user', null, 'user']);
  });

  it('lastActiveAnswerAt follows only the answers that restarted the idle clock', async () => {
    const { fetch } = recorder(() => json(200, {}));
    const api = createApi({ baseUrl: BASE, fetch });
    await api.client.GET('/api/v1/notifications');
    expect(api.lastAnswerAt()).toBeGreaterThan(0);
    expect(api.lastActiveAnswerAt()).toBe(0);
    api.noteUserInput();
    await api.client.GET('/api/v1/notifications');
    expect(api.lastActiveAnswerAt()).toBeGreaterThan(0);
  });
});

describe('problem+json', () => {
  it('becomes an ApiError with the field errors by field', async () => {
    const problem = {
      type: 'https://chelal.example/problems/invalid',
      title: 'Invalid input',
      status: 422,
      detail: 'Some fields are invalid.',
      request_id: 'req-9',
      errors: [
        { field: 'password', code: 'too_short', message: 'Password must be at least 12 characters long.' },
        { field: 'password', code: 'invalid', message: 'Password must not be the same as the username.' },
        { field: 'email', code: 'required', message: 'Email is required.' },
      ],
    };
    const { fetch } = recorder(() => json(422, problem, 'application/problem+json'));
    const api = createApi({ baseUrl: BASE, fetch });
    const err = await unwrap(
      api.client.POST('/api/v1/users', {
        body: { username: 'u', email: '', password: 'short', first_name: 'A', last_name: 'B', role_id: 1 },
      }),
    ).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.code).toBe('invalid');
    expect(e.detail).toBe('Some fields are invalid.');
    expect(e.requestId).toBe('req-9');
    expect(e.fields).toHaveLength(3);
    expect(e.fieldErrors).toEqual({
      password: 'Password must be at least 12 characters long.',
      email: 'Email is required.',
    });
  });

  it('keeps the specific type and Retry-After', async () => {
    const { fetch } = recorder(() =>
      json(429, { type: 'https://x/problems/login-locked', title: 'Too many requests', status: 429, detail: 'Wait.' }, 'application/problem+json', {
        'Retry-After': '30',
      }),
    );
    const api = createApi({ baseUrl: BASE, fetch });
    const e = (await unwrap(api.client.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } })).catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('login-locked');
    expect(e.retryAfter).toBe(30);
    expect(e.fieldErrors).toEqual({});
  });

  it('copes with an error body that is not JSON', async () => {
    const { fetch } = recorder(() => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }));
    const api = createApi({ baseUrl: BASE, fetch });
    const e = (await unwrap(api.client.GET('/api/v1/setup')).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(502);
    expect(e.detail).toBe('bad gateway');
  });

  it('returns the data of a success', async () => {
    const { fetch } = recorder(() => json(200, { needed: true }));
    const api = createApi({ baseUrl: BASE, fetch });
    expect(await unwrap(api.client.GET('/api/v1/setup'))).toEqual({ needed: true });
  });
});

describe('401', () => {
  it('from a request that needed a session tells the app (session-expired)', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = recorder(() =>
      json(401, { type: 'https://x/problems/session-expired', title: 'Not logged in', status: 401, detail: 'Your session has ended.' }, 'application/problem+json'),
    );
    const api = createApi({ baseUrl: BASE, fetch, hooks: { onUnauthorized } });
    const e = await unwrap(api.client.GET('/api/v1/users')).catch((x: unknown) => x);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect((onUnauthorized.mock.calls[0]![0] as ApiError).code).toBe('session-expired');
    // the caller still gets the error, with its body intact
    expect((e as ApiError).code).toBe('session-expired');
  });

  it('from login or /auth/me is the screen’s business, not a lost session', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = recorder(() => json(401, { type: 'https://x/problems/invalid-credentials', title: 't', status: 401, detail: 'd' }, 'application/problem+json'));
    const api = createApi({ baseUrl: BASE, fetch, hooks: { onUnauthorized } });
    await api.client.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } });
    await api.client.GET('/api/v1/auth/me');
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});

describe('network errors', () => {
  it('throw NetworkError and mark the server offline until /health answers', async () => {
    vi.useFakeTimers();
    try {
      let up = false;
      const healthFetch = vi.fn(async () => {
        if (!up) throw new TypeError('Failed to fetch');
        return json(200, { status: 'ok', database: 'ok', version: 't' });
      });
      const connectivity = createConnectivity({ fetch: healthFetch as unknown as typeof globalThis.fetch, intervalMs: 3000 });
      const recovered = vi.fn();
      connectivity.onRecovered(recovered);
      const fetch = vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof globalThis.fetch;
      const api = createApi({ baseUrl: BASE, fetch, hooks: { onNetworkError: () => connectivity.reportNetworkError() } });

      expect(connectivity.isOnline()).toBe(true);
      const err = await api.client.GET('/api/v1/users').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetworkError);
      expect(connectivity.isOnline()).toBe(false);

      await vi.advanceTimersByTimeAsync(3000); // still down
      expect(healthFetch).toHaveBeenCalledTimes(1);
      expect(connectivity.isOnline()).toBe(false);

      up = true;
      await vi.advanceTimersByTimeAsync(3000);
      expect(healthFetch).toHaveBeenCalledTimes(2);
      expect(connectivity.isOnline()).toBe(true);
      expect(recovered).toHaveBeenCalledTimes(1);

      await vi.advanceTimersByTimeAsync(30_000); // no more polling once online
      expect(healthFetch).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a 503 from /health is not a recovery', async () => {
    const connectivity = createConnectivity({ fetch: (async () => json(503, { status: 'unavailable' })) as unknown as typeof globalThis.fetch });
    connectivity.reportNetworkError();
    expect(await connectivity.check()).toBe(false);
    expect(connectivity.isOnline()).toBe(false);
    connectivity.stop();
  });

  it('an HTTP error is not a network error', async () => {
    const onNetworkError = vi.fn();
    const { fetch } = recorder(() => json(500, { type: 'x/internal', title: 'Internal error', status: 500, detail: 'd' }, 'application/problem+json'));
    const api = createApi({ baseUrl: BASE, fetch, hooks: { onNetworkError } });
    await api.client.GET('/api/v1/setup');
    expect(onNetworkError).not.toHaveBeenCalled();
  });
});

describe('database unavailable', () => {
  it('a 503 database-unavailable marks the database down until /health answers, and reads are refetched then', async () => {
    vi.useFakeTimers();
    try {
      let up = false;
      const healthFetch = vi.fn(async () => (up ? json(200, { status: 'ok', database: 'ok', version: 't' }) : json(503, { status: 'unavailable', database: 'unavailable', version: 't' })));
      const connectivity = createConnectivity({ fetch: healthFetch as unknown as typeof globalThis.fetch, intervalMs: 3000 });
      const recovered = vi.fn();
      connectivity.onRecovered(recovered);
      const { fetch } = recorder(() =>
        json(503, { type: 'https://chelal.invalid/problems/database-unavailable', title: 'Service unavailable', status: 503, detail: 'The database is unavailable; Chelal is retrying.' }, 'application/problem+json'),
      );
      const onNetworkError = vi.fn();
      const api = createApi({ baseUrl: BASE, fetch, hooks: { onNetworkError, onDatabaseUnavailable: () => connectivity.reportDatabaseUnavailable() } });

      const { error, response } = await api.client.POST('/api/v1/patients', { body: {} as never });
      expect(response.status).toBe(503);
      expect(error).toBeTruthy();
      expect(onNetworkError).not.toHaveBeenCalled();
      expect(connectivity.status()).toBe('database');
      expect(connectivity.isOnline()).toBe(false);

      await vi.advanceTimersByTimeAsync(3000); // health still 503
      expect(connectivity.status()).toBe('database');
      up = true;
      await vi.advanceTimersByTimeAsync(3000);
      expect(connectivity.status()).toBe('online');
      expect(recovered).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('another 503 (a server restarting on restored data) is not the database', async () => {
    const onDatabaseUnavailable = vi.fn();
    const { fetch } = recorder(() => json(503, { type: 'https://chelal.invalid/problems/restarting', title: 'Service unavailable', status: 503, detail: 'd' }, 'application/problem+json'));
    const api = createApi({ baseUrl: BASE, fetch, hooks: { onDatabaseUnavailable } });
    await api.client.GET('/api/v1/setup');
    expect(onDatabaseUnavailable).not.toHaveBeenCalled();
  });
});
