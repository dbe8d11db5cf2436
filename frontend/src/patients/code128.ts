// Code 128 (code set B) for the record number on the printed patient card: any printable
// ASCII text, a start symbol, the mod-103 checksum and the stop symbol, drawn as SVG bars.
// Hand-held scanners type the text back into the search box.

// Bar and space widths (in modules, bar first) of the symbols 0..106 (ISO/IEC 15417). Every
// symbol is 11 modules wide; the stop (106) is 13, its termination bar included.
const PATTERNS = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112',
] as const;

export const START_B = 104;
export const STOP = 106;
/** Modules of quiet zone on each side, as scanners need. */
export const QUIET_ZONE = 10;

/** patternOf is the widths string of a symbol value (for tests). */
export function patternOf(value: number): string {
  const p = PATTERNS[value];
  if (p === undefined) throw new RangeError(`no Code 128 symbol ${value}`);
  return p;
}

/** code128Values is the symbol values of text in code set B: start, data, checksum, stop. */
export function code128Values(text: string): number[] {
  const data: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 32 || c > 126) throw new RangeError(`Code 128 set B cannot encode ${JSON.stringify(ch)}`);
    data.push(c - 32);
  }
  let sum = START_B;
  data.forEach((v, i) => (sum += v * (i + 1)));
  return [START_B, ...data, sum % 103, STOP];
}

export interface Bar {
  /** In modules from the left edge (the quiet zone included). */
  x: number;
  width: number;
}

/** code128Bars lays out the bars of text, and the total width in modules (quiet zones included). */
export function code128Bars(text: string): { bars: Bar[]; modules: number } {
  const bars: Bar[] = [];
  let x = QUIET_ZONE;
  for (const v of code128Values(text)) {
    const p = patternOf(v);
    for (let i = 0; i < p.length; i++) {
      const w = Number(p[i]);
      if (i % 2 === 0) bars.push({ x, width: w });
      x += w;
    }
  }
  return { bars, modules: x + QUIET_ZONE };
}
