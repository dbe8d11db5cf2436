// The API client: openapi-fetch over the generated types (schema.d.ts), with a thin wrapper
// that adds the CSRF header to unsafe methods, turns problem+json answers into ApiError,
// and reports network failures and an unavailable database (the offline banner) and ended
// sessions (back to login).
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type FieldError = Schemas['FieldError'];

/** The header every POST/PATCH/PUT/DELETE must carry (403 `csrf` without it). */
export const CSRF_HEADER = 'X-CSRF-Token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * ACTIVITY_HEADER (`X-Chelal-Activity: user`) marks a read the user caused: only such reads,
 * and every write, restart the server's idle clock. Background refreshes (the bell, the
 * queue) go without it, so a workstation nobody touches is logged off.
 */
export const ACTIVITY_HEADER = 'X-Chelal-Activity';
/** A read sent this soon after the user's last key or pointer input counts as theirs. */
export const USER_ACTION_MS = 5_000;

/** ApiError is a problem+json answer: `code` is the last segment of `type` (e.g. `otp-required`). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** Every field error as the server sent it. */
  readonly fields: FieldError[];
  /** The first message per field, for showing beside the field. */
  readonly fieldErrors: Record<string, string>;
  /** Seconds to wait, from Retry-After (429). */
  readonly retryAfter: number | undefined;
  /** The server's request id, for support. */
  readonly requestId: string;

  constructor(status: number, problem: Partial<Problem>, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = problem.type ?? 'about:blank';
    this.code = this.type.slice(this.type.lastIndexOf('/') + 1);
    this.title = problem.title ?? '';
    this.detail = problem.detail ?? '';
    this.fields = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = retryAfter;
    this.requestId = problem.request_id ?? '';
    const byField: Record<string, string> = {};
    for (const fe of this.fields) {
      if (fe && typeof fe.field === 'string' && !(fe.field in byField)) byField[fe.field] = fe.message;
    }
    this.fieldErrors = byField;
  }
}

/** NetworkError: the server could not be reached at all (no HTTP answer). */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('The server cannot be reached.', { cause });
    this.name = 'NetworkError';
  }
}

/** problemFromResponse reads an error answer into an ApiError, whatever its body. */
export function toApiError(response: Response, body: unknown): ApiError {
  const retry = Number(response.headers.get('Retry-After'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  if (body && typeof body === 'object') return new ApiError(response.status, body as Partial<Problem>, retryAfter);
  return new ApiError(response.status, { title: response.statusText, detail: typeof body === 'string' ? body : '' }, retryAfter);
}

export interface ApiHooks {
  /** A request got no answer: the server is unreachable. */
  onNetworkError?: () => void;
  /** A request was answered 503 `database-unavailable`: the server is up, its database is not (yet). */
  onDatabaseUnavailable?: () => void;
  /** A request that needed a session got 401 (`session-expired`, or not logged in). */
  onUnauthorized?: (error: ApiError) => void;
}

export interface ApiOptions {
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  hooks?: ApiHooks;
}

// Paths whose 401 is an answer for the screen, not a lost session.
const OWN_401 = ['/api/v1/auth/login', '/api/v1/auth/me', '/api/v1/setup', '/api/v1/auth/password', '/api/v1/auth/2fa/disable'];

/** createApi builds the client; the app makes one (api/index.ts), tests make their own. */
export function createApi(options: ApiOptions = {}) {
  const baseFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const hooks = options.hooks ?? {};
  let csrfToken: string | null = null;
  let lastAnswerAt = 0;
  let lastInputAt = 0;
  let lastActiveAnswerAt = 0;

  async function apiFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request && !init ? input : new Request(input, init);
    const unsafe = UNSAFE.has(request.method.toUpperCase());
    if (unsafe && csrfToken) request.headers.set(CSRF_HEADER, csrfToken);
    const active = unsafe || request.headers.get(ACTIVITY_HEADER) === 'user' || Date.now() - lastInputAt <= USER_ACTION_MS;
    if (active) request.headers.set(ACTIVITY_HEADER, 'user');
    let response: Response;
    try {
      response = await baseFetch(request);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      hooks.onNetworkError?.();
      throw new NetworkError(err);
    }
    lastAnswerAt = Date.now();
    if (response.status === 503 && hooks.onDatabaseUnavailable) {
      let type = '';
      try {
        type = String(((await response.clone().json()) as Partial<Problem>).type ?? '');
      } catch {
        // not problem+json
      }
      if (type.endsWith('/database-unavailable')) hooks.onDatabaseUnavailable();
    }
    if (active && response.status !== 401) lastActiveAnswerAt = lastAnswerAt;
    if (response.status === 401) {
      const path = new URL(request.url, 'http://x').pathname;
      if (!OWN_401.includes(path)) {
        let body: unknown = null;
        try {
          body = await response.clone().json();
        } catch {
          // not problem+json
        }
        hooks.onUnauthorized?.(toApiError(response, body));
      }
    }
    return response;
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl ?? '', fetch: apiFetch });

  return {
    client,
    /** fetch with the same CSRF, offline and session handling, for bodies the schema does not type (images). */
    fetch: apiFetch,
    setCsrfToken(token: string | null) {
      csrfToken = token;
    },
    csrfToken: () => csrfToken,
    /** When the server last answered (ms since the epoch; 0: never). */
    lastAnswerAt: () => lastAnswerAt,
    /** The user pressed a key or moved the pointer: reads sent soon after are theirs. */
    noteUserInput(at: number = Date.now()) {
      lastInputAt = at;
    },
    /** When the server last answered a request that restarted its idle clock (0: never). */
    lastActiveAnswerAt: () => lastActiveAnswerAt,
  };
}

export type Api = ReturnType<typeof createApi>;

type Result<D> = { data?: D; error?: unknown; response: Response };

/** unwrap returns a call's data, or throws ApiError for an error answer. */
export async function unwrap<D>(call: Promise<Result<D>>): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response, error);
  return data as D;
}
