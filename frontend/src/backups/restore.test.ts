import { describe, expect, it } from 'vitest';
import { formatBytes, isFinished, restorePercent, waitForHealth, waitForRestartToBegin } from './restore';

describe('restorePercent', () => {
  it('is the part of the tables restored', () => {
    expect(restorePercent({ state: 'running', tables_done: 0, tables_total: 0 })).toBe(0);
    expect(restorePercent({ state: 'running', tables_done: 0, tables_total: 40 })).toBe(0);
    expect(restorePercent({ state: 'running', tables_done: 10, tables_total: 40 })).toBe(25);
    expect(restorePercent({ state: 'running', tables_done: 1, tables_total: 3 })).toBe(33);
    expect(restorePercent({ state: 'running', tables_done: 40, tables_total: 40 })).toBe(100);
  });

  it('never leaves 0-100, and is full once done', () => {
    expect(restorePercent({ state: 'running', tables_done: 50, tables_total: 40 })).toBe(100);
    expect(restorePercent({ state: 'running', tables_done: -3, tables_total: 40 })).toBe(0);
    expect(restorePercent({ state: 'done', tables_done: 0, tables_total: 0 })).toBe(100);
    expect(restorePercent({ state: 'failed', tables_done: 5, tables_total: 10 })).toBe(50);
  });

  it('isFinished: done or failed', () => {
    expect(isFinished({ state: 'done' })).toBe(true);
    expect(isFinished({ state: 'failed' })).toBe(true);
    expect(isFinished({ state: 'running' })).toBe(false);
    expect(isFinished({ state: 'idle' })).toBe(false);
    expect(isFinished(undefined)).toBe(false);
  });
});

describe('formatBytes', () => {
  it('picks the unit and the decimals', () => {
    expect(formatBytes(0, 'en')).toBe('0 kB');
    expect(formatBytes(512, 'en')).toBe('0.5 kB');
    expect(formatBytes(12_600, 'en')).toBe('12 kB');
    expect(formatBytes(13_002_342, 'en')).toBe('12.4 MB');
    expect(formatBytes(16 * 1_048_576, 'en')).toBe('16 MB');
    expect(formatBytes(340 * 1_048_576, 'en')).toBe('340 MB');
    expect(formatBytes(1.5 * 1_073_741_824, 'en')).toBe('1.5 GB');
  });

  it('in the language, and never negative', () => {
    expect(formatBytes(13_002_342, 'fr').replace(/\s/g, ' ')).toBe('12,4 Mo'); // a (narrow) no-break space, by ICU version
    expect(formatBytes(-5, 'en')).toBe('0 kB');
    expect(formatBytes(Number.NaN, 'en')).toBe('0 kB');
  });
});

describe('waitForHealth', () => {
  const answer = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json' } });

  it('asks until Chelal answers 200, passing on what the 503s say', async () => {
    const answers: Array<() => Response> = [
      () => answer(503, { detail: 'Chelal is restarting on the restored data' }),
      () => {
        throw new TypeError('connection refused');
      },
      () => answer(200, { status: 'ok' }),
    ];
    const asked: string[] = [];
    const waiting: string[] = [];
    const ok = await waitForHealth({
      fetch: async (input) => {
        asked.push(String(input));
        return answers.shift()!();
      },
      sleep: async () => {},
      onWaiting: (d) => waiting.push(d),
    });
    expect(ok).toBe(true);
    expect(asked).toEqual(['/api/v1/health', '/api/v1/health', '/api/v1/health']);
    expect(waiting).toEqual(['Chelal is restarting on the restored data', '']);
  });

  it('gives up after the timeout', async () => {
    let t = 0;
    let calls = 0;
    const ok = await waitForHealth({
      fetch: async () => {
        calls++;
        return answer(503, { detail: 'could not restart' });
      },
      intervalMs: 1000,
      timeoutMs: 5000,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
    });
    expect(ok).toBe(false);
    expect(calls).toBe(6);
  });
});

describe('waitForRestartToBegin', () => {
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const done = { state: 'done', database: 'chelal_20261127', restarting: true, rows: 10, tables_done: 3, tables_total: 3 };

  async function run(answers: Array<() => Response>, timeoutMs = 30_000) {
    let t = 0;
    let calls = 0;
    await waitForRestartToBegin('chelal_20261127', {
      fetch: async () => {
        calls++;
        return answers.length > 1 ? answers.shift()!() : answers[0]!();
      },
      timeoutMs,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
    });
    return calls;
  }

  it('waits while the old server still says the restore is done', async () => {
    expect(await run([() => json(200, done), () => json(200, done), () => json(503, { detail: 'restarting' })])).toBe(3);
  });

  it('a restarted server (idle, or the session gone) or no answer ends the wait', async () => {
    expect(await run([() => json(200, done), () => json(200, { ...done, state: 'idle' })])).toBe(2);
    expect(await run([() => json(401, {})])).toBe(1);
    expect(
      await run([
        () => {
          throw new TypeError('refused');
        },
      ]),
    ).toBe(1);
  });

  it('gives up after the timeout', async () => {
    expect(await run([() => json(200, done)], 2000)).toBe(5);
  });
});
