// Checks on the translation catalogs, used by the unit tests: every language has exactly the
// keys of English, none empty, with the same {{placeholders}}.

export type Catalog = { [key: string]: string | Catalog };

/** flatten lists a catalog's strings by dotted key. */
export function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(catalog)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!).sort();
}

/** catalogProblems describes how `other` differs from `reference`; empty when they agree. */
export function catalogProblems(reference: Catalog, other: Catalog, name: string): string[] {
  const ref = flatten(reference);
  const got = flatten(other);
  const problems: string[] = [];
  for (const key of ref.keys()) if (!got.has(key)) problems.push(`${name}: missing ${key}`);
  for (const [key, value] of got) {
    if (!ref.has(key)) problems.push(`${name}: extra ${key} (not in English)`);
    if (!value.trim()) problems.push(`${name}: empty ${key}`);
    const want = ref.get(key);
    if (want !== undefined && placeholders(want).join() !== placeholders(value).join()) {
      problems.push(`${name}: ${key} has placeholders {${placeholders(value).join(',')}} instead of {${placeholders(want).join(',')}}`);
    }
  }
  return problems;
}
