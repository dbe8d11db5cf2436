// patchMe: the user's own choices are saved over a change made meanwhile in another tab.
import { describe, expect, it } from 'vitest';
import { createApi } from '../api/client';
import type { User } from '../api/types';
import { patchMe } from './me';

const problem = (status: number, code: string) =>
  new Response(JSON.stringify({ type: `https://chelal.local/problems/${code}`, title: code, status, code }), { status, headers: { 'Content-Type': 'application/problem+json' } });
const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

/** a client whose server is answer */
const server = (answer: (req: Request) => Promise<Response>) => createApi({ baseUrl: 'http://chelal.test', fetch: ((input: RequestInfo | URL) => answer(input as Request)) as typeof fetch }).client;

function user(version: number, preferences: Record<string, unknown>): User {
  return { id: 7, version, preferences } as unknown as User;
}

describe('patchMe', () => {
  it('sends the change with the user’s version', async () => {
    const sent: { method: string; body: unknown }[] = [];
    const client = server(async (req: Request) => {
      sent.push({ method: req.method, body: await req.json() });
      return ok({ user: user(4, { a: 1, handover: { bill: false } }) });
    });
    const answer = await patchMe(user(3, { a: 1 }), (u) => ({ preferences: { ...u.preferences, handover: { bill: false } } }), client);
    expect(sent).toEqual([{ method: 'PATCH', body: { version: 3, preferences: { a: 1, handover: { bill: false } } } }]);
    expect(answer.user.version).toBe(4);
  });

  it('after a stale-version refusal, applies the change to the record read again, once', async () => {
    const sent: string[] = [];
    const client = server(async (req: Request) => {
      if (req.method === 'GET') {
        sent.push('GET');
        return ok({ user: user(5, { a: 2, language: 'other tab' }) });
      }
      const body = (await req.json()) as { version: number; preferences: unknown };
      sent.push(`PATCH v${body.version} ${JSON.stringify(body.preferences)}`);
      return body.version === 3 ? problem(409, 'stale-version') : ok({ user: user(6, body.preferences as Record<string, unknown>) });
    });
    const answer = await patchMe(user(3, { a: 1 }), (u) => ({ preferences: { ...u.preferences, handover: { sound: true } } }), client);
    expect(sent).toEqual(['PATCH v3 {"a":1,"handover":{"sound":true}}', 'GET', 'PATCH v5 {"a":2,"language":"other tab","handover":{"sound":true}}']);
    expect(answer.user.version).toBe(6);
  });

  it('passes any other failure on, without retrying', async () => {
    let calls = 0;
    const client = server(async () => {
      calls++;
      return problem(400, 'invalid');
    });
    await expect(patchMe(user(3, {}), () => ({ language_preference: 'fr' }), client)).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });
});
