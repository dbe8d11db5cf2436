import { describe, expect, it } from 'vitest';
import { chartAmount, localISODate } from './report';

describe('daily report helpers', () => {
  it('names the local day', () => {
    expect(localISODate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(localISODate(new Date(2026, 10, 27, 0, 1))).toBe('2026-11-27');
  });
  it('draws amounts, and nothing for garbage', () => {
    expect(chartAmount('1250.50')).toBe(1250.5);
    expect(chartAmount('x')).toBe(0);
  });
});
