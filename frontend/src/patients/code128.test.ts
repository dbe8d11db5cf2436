import { describe, expect, it } from 'vitest';
import { code128Bars, code128Values, patternOf, QUIET_ZONE, START_B, STOP } from './code128';

const modules = (p: string) => [...p].reduce((s, d) => s + Number(d), 0);

describe('code128', () => {
  it('has 107 distinct symbols of 11 modules, the stop 13', () => {
    const seen = new Set<string>();
    for (let v = 0; v < 106; v++) {
      expect(modules(patternOf(v)), `symbol ${v}`).toBe(11);
      seen.add(patternOf(v));
    }
    expect(seen.size).toBe(106);
    expect(modules(patternOf(STOP))).toBe(13);
    expect(() => patternOf(107)).toThrow(RangeError);
  });

  it('starts with Start B, ends with the checksum and the stop', () => {
    // "PJJ123C": 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879 -> 879 mod 103 = 55
    const v = code128Values('PJJ123C');
    expect(v[0]).toBe(START_B);
    expect(v.slice(1, -2)).toEqual([48, 42, 42, 17, 18, 19, 35]);
    expect(v.at(-2)).toBe(55);
    expect(v.at(-1)).toBe(STOP);
  });

  it('weights each character by its position in the checksum', () => {
    // "AB": 104 + 33*1 + 34*2 = 205 -> 205 % 103 = 102
    expect(code128Values('AB').at(-2)).toBe(102);
    expect(code128Values('BA').at(-2)).toBe((104 + 34 + 33 * 2) % 103);
    expect(code128Values('').slice()).toEqual([START_B, START_B % 103, STOP]);
  });

  it('encodes a record number into bars with quiet zones', () => {
    const text = 'CHL-000123-7';
    const { bars, modules: total } = code128Bars(text);
    // start + 12 characters + checksum = 14 symbols of 11, stop 13, quiet zones
    expect(total).toBe(14 * 11 + 13 + 2 * QUIET_ZONE);
    expect(bars[0]).toEqual({ x: QUIET_ZONE, width: 2 }); // Start B is 211214
    const last = bars.at(-1)!;
    expect(last.x + last.width).toBe(total - QUIET_ZONE); // the termination bar ends the code
    expect(bars.length).toBe(14 * 3 + 4);
  });

  it('refuses characters outside set B', () => {
    expect(() => code128Values('é')).toThrow(RangeError);
    expect(() => code128Values('a\nb')).toThrow(RangeError);
  });
});

describe('qr code', () => {
  it('draws a record number as a square QR path with a quiet zone', async () => {
    const { qrPath } = await import('./qr');
    const { d, size } = qrPath('CHL-000123-7');
    expect(size).toBe(21 + 8); // version 1 fits 12 characters at level M
    expect(d.startsWith('M4 4h1v1h-1z')).toBe(true); // the finder pattern's corner is dark
    expect(d).not.toContain('M0 0');
  });
});
