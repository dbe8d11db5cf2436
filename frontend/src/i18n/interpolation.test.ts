import { describe, expect, it } from 'vitest';
import { flatten } from './catalogs';
import en from './locales/en.json';

// Every t('key', { ... }) call passes each {{variable}} its English sentence names: a variable
// not passed is printed as "{{n}}" to the user (the close dialog's "Items prescribed: {{n}}").

// Every source file of the app (tests aside), as text.
const sources = import.meta.glob(['../**/*.ts', '../**/*.tsx', '!../**/*.test.ts', '!../**/*.test.tsx'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The t('key', { ... }) calls of a source text: the key and the option names passed. */
function interpolationCalls(text: string): { key: string; names: string[] }[] {
  const out: { key: string; names: string[] }[] = [];
  const re = /\bt\(\s*'([\w.]+)'\s*,\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // the options object, up to its closing brace
    let depth = 1;
    let i = re.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    const body = text.slice(re.lastIndex, i - 1);
    // top-level names: "n: x", "name," or "name }" (shorthand), "...spread" makes it unknowable
    const names: string[] = [];
    let level = 0;
    let token = '';
    for (const ch of body + ',') {
      if ('([{'.includes(ch)) level++;
      else if (')]}'.includes(ch)) level--;
      if (level === 0 && ch === ',') {
        const name = /^\s*(\.\.\.)?([\w$]+)\s*(:|$)/.exec(token);
        if (name) names.push(name[1] ? '...' : name[2]!);
        token = '';
      } else token += ch;
    }
    out.push({ key: m[1]!, names });
  }
  return out;
}

function variables(sentence: string): string[] {
  return [...sentence.matchAll(/\{\{\s*([\w$]+)\s*\}\}/g)].map((m) => m[1]!);
}

describe('interpolation', () => {
  it('reads the option names of a call', () => {
    expect(interpolationCalls("t('a.b', { n: xs.length ?? 0, name })")).toEqual([{ key: 'a.b', names: ['n', 'name'] }]);
    expect(interpolationCalls("t('a.b', { count: f({ x: 1 }) })")).toEqual([{ key: 'a.b', names: ['count'] }]);
  });

  it('every t() call passes the variables its sentence names', () => {
    const catalog = flatten(en);
    const problems: string[] = [];
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    for (const [file, text] of Object.entries(sources)) {
      for (const call of interpolationCalls(text)) {
        if (call.names.includes('...')) continue;
        const sentence = catalog.get(call.key) ?? catalog.get(`${call.key}_other`) ?? catalog.get(`${call.key}_one`);
        if (sentence === undefined) continue;
        for (const v of variables(sentence)) {
          if (!call.names.includes(v)) problems.push(`${file}: ${call.key} needs {{${v}}}, passed ${call.names.join(', ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
