import { describe, expect, it } from 'vitest';
import { newIdempotencyKey } from './queries';

describe('idempotency keys', () => {
  it('are new for each payment attempt and fit the header', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(100);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f-]{32,36}$/);
  });
});
