// The save pattern, run as useMutation runs it (a MutationObserver on a real QueryClient), with
// the API client answering from a fetch that plays the server.
import { MutationObserver, QueryClient, QueryObserver } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { describe, expect, it, vi } from 'vitest';
import { createApi, unwrap } from '../api/client';
import { apiMutationOptions, type ApiMutationConfig, type MutationEnv } from './useApiMutation';

const BASE = 'http://chelal.test';
const t = ((key: string, vars?: Record<string, unknown>) => (vars ? `${key} ${JSON.stringify(vars)}` : key)) as unknown as TFunction;

function problem(status: number, code: string, errors: { field: string; code: string; message: string }[] = []) {
  const body = { type: `https://chelal.example/problems/${code}`, title: code, status, detail: `detail of ${code}`, errors };
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json' } });
}

/** A server whose answers the test sets; it records each request (and can hold one back). */
function server(answer: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    seen.push(input as Request);
    return answer(input as Request);
  });
  return { seen, api: createApi({ baseUrl: BASE, fetch: fetch as unknown as typeof globalThis.fetch }) };
}

function form(values: object) {
  const errors: Record<string, string>[] = [];
  return { errors, target: { getValues: () => values, setErrors: (e: Record<string, string>) => errors.push(e) } };
}

function setup<V, R>(config: ApiMutationConfig<V, R>) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const toasts: { color: string; message: string }[] = [];
  const messages: (string | null)[] = [];
  const env: MutationEnv = { qc, t, lang: 'en', notify: (n) => toasts.push({ color: String(n.color ?? ''), message: String(n.message) }), setMessage: (m) => messages.push(m), key: { current: 'key-1' } };
  const observer = new MutationObserver<R, unknown, V>(qc, apiMutationOptions(config, env));
  const submit = (v: V) => observer.mutate(v).catch(() => undefined);
  return { qc, toasts, messages, env, observer, submit };
}

const user = { id: 3, username: 'amina', version: 2 };

describe('useApiMutation', () => {
  it('puts the server field errors beside their fields, the others in the message', async () => {
    const { api } = server(() =>
      problem(422, 'invalid', [
        { field: 'username', code: 'duplicate', message: 'That username is taken.' },
        { field: 'full_name', code: 'required', message: 'Full name is required.' },
      ]),
    );
    const f = form({ username: 'amina', name: '' });
    const m = setup({
      mutationFn: (v: { username: string }) => unwrap(api.client.PATCH('/api/v1/users/{id}', { params: { path: { id: 3 } }, body: { version: 2, username: v.username } })),
      form: f.target,
      rename: { full_name: 'name' },
      close: () => {
        throw new Error('must not close after a failure');
      },
    });
    await m.submit({ username: 'amina' });
    expect(f.errors.at(-1)).toEqual({ username: 'That username is taken.', name: 'Full name is required.' });
    expect(m.messages.at(-1)).toBeNull(); // all placed: nothing above the buttons
    expect(m.toasts).toEqual([]);
  });

  it('says a field error the form lacks, and a non-field failure, above the buttons (or in a red toast)', async () => {
    const { api } = server(() => problem(422, 'invalid', [{ field: 'mystery', code: 'invalid', message: 'Odd.' }]));
    const f = form({ username: '' });
    const m = setup({ mutationFn: () => unwrap(api.client.POST('/api/v1/auth/logout')), form: f.target });
    await m.submit(undefined);
    expect(m.messages.at(-1)).toBe('detail of invalid Odd.');

    const toast = setup({ mutationFn: () => unwrap(api.client.POST('/api/v1/auth/logout')), failure: 'toast' });
    await toast.submit(undefined);
    expect(toast.toasts).toEqual([{ color: 'red', message: 'detail of invalid Odd.' }]);
  });

  it('answers a 409 stale-version with its message, or hands it to onStale', async () => {
    const { api } = server(() => problem(409, 'stale-version'));
    const call = () => unwrap(api.client.PATCH('/api/v1/users/{id}', { params: { path: { id: 3 } }, body: { version: 1 } }));
    const plain = setup({ mutationFn: call });
    await plain.submit(undefined);
    expect(plain.messages.at(-1)).toBe('problems.stale-version');

    const onStale = vi.fn();
    const own = setup({ mutationFn: call, onStale });
    await own.submit(undefined);
    expect(onStale).toHaveBeenCalledOnce();
    expect(onStale.mock.calls[0]![0].code).toBe('stale-version');
    expect(own.messages).toEqual([null]); // cleared at the start, nothing said after
  });

  it('is busy while the request is under way, then refreshes what changed, toasts and closes, in that order', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { api } = server(async (req) => {
      if (req.method === 'GET') return new Response(JSON.stringify({ items: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
      await held;
      return new Response(JSON.stringify({ user }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    const order: string[] = [];
    const m = setup({
      mutationFn: () => unwrap(api.client.PATCH('/api/v1/users/{id}', { params: { path: { id: 3 } }, body: { version: 2 } })),
      invalidate: [['users']],
      success: (answer) => `saved ${answer.user.username}`,
      close: () => order.push('close'),
    });
    // a list on screen, fetched once
    const list = new QueryObserver(m.qc, { queryKey: ['users', 'list'], queryFn: () => unwrap(api.client.GET('/api/v1/users')) });
    const unsubscribe = list.subscribe(() => {});
    await vi.waitFor(() => expect(list.getCurrentResult().isSuccess).toBe(true));

    const done = m.submit(undefined);
    await vi.waitFor(() => expect(m.observer.getCurrentResult().isPending).toBe(true));
    expect(order).toEqual([]);
    release();
    const answer = await done;
    expect(answer).toEqual({ user });
    expect(m.observer.getCurrentResult().isPending).toBe(false);
    expect(m.toasts).toEqual([{ color: 'teal', message: 'saved amina' }]);
    expect(order).toEqual(['close']);
    // the list was marked stale and fetched again before the dialog closed
    expect(m.qc.getQueryState(['users', 'list'])!.dataUpdateCount).toBe(2);
    unsubscribe();
  });

  it('sends the attempt its Idempotency-Key, the same on a retry, a new one after a success', async () => {
    let fail = true;
    const { api, seen } = server(() => (fail ? problem(503, 'unavailable') : new Response('{}', { status: 201, headers: { 'Content-Type': 'application/json' } })));
    const m = setup({
      mutationFn: (_: void, key: string) => unwrap(api.client.POST('/api/v1/auth/logout', { headers: { 'Idempotency-Key': key } })),
    });
    await m.submit(undefined);
    fail = false;
    await m.submit(undefined);
    await m.submit(undefined);
    const keys = seen.map((r) => r.headers.get('Idempotency-Key'));
    expect(keys[0]).toBe('key-1');
    expect(keys[1]).toBe('key-1'); // the retry of the failed attempt
    expect(keys[2]).not.toBe('key-1'); // a new attempt after the success
    expect(keys[2]).toMatch(/^[0-9a-f-]{32,36}$/);
  });
});
