import { describe, expect, it } from 'vitest';
import { isPoor, parseSSE, POOR_KBPS, POOR_LOSS_PCT } from './call';

describe('parseSSE', () => {
  it('splits complete events and keeps the rest', () => {
    const { events, rest } = parseSSE('retry: 1000\n\nevent: welcome\ndata: {"peer":"a"}\n\n: beat\n\nevent: signal\ndata: {"x"');
    expect(events).toEqual([{ event: 'welcome', data: '{"peer":"a"}' }]);
    expect(rest).toBe('event: signal\ndata: {"x"');
    const more = parseSSE(rest + ':1}\n\n');
    expect(more.events).toEqual([{ event: 'signal', data: '{"x":1}' }]);
    expect(more.rest).toBe('');
  });
});

describe('isPoor', () => {
  it('drops video on little bandwidth or much loss, not on unknown figures', () => {
    expect(isPoor({})).toBe(false);
    expect(isPoor({ outKbps: POOR_KBPS - 1 })).toBe(true);
    expect(isPoor({ outKbps: 2000, lossPct: POOR_LOSS_PCT + 0.1 })).toBe(true);
    expect(isPoor({ outKbps: 2000, lossPct: 1 })).toBe(false);
  });
});
