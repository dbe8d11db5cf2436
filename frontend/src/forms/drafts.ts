// Drafts: a form's unsaved input, kept in sessionStorage so that it survives a reload, a
// lost server and an automatic logoff in the same tab. Secrets are never written: fields
// named in `secret` and any field whose name looks like a password, code or token are left
// out, at any depth.

const PREFIX = 'chelal.draft.';
const SECRET_NAME = /pass(word)?|otp|secret|token|recovery/i;

export type DraftValues = Record<string, unknown>;

export function draftKey(owner: string | number | null | undefined, formId: string): string {
  return `${PREFIX}${owner ?? 'anonymous'}.${formId}`;
}

export function isSecretField(name: string, secret: readonly string[] = []): boolean {
  return secret.includes(name) || SECRET_NAME.test(name);
}

/** withoutSecrets returns a copy of values with every secret field removed. */
export function withoutSecrets(values: unknown, secret: readonly string[] = []): unknown {
  if (Array.isArray(values)) return values.map((v) => withoutSecrets(v, secret));
  if (values && typeof values === 'object' && !(values instanceof Date)) {
    const out: DraftValues = {};
    for (const [k, v] of Object.entries(values as DraftValues)) {
      if (!isSecretField(k, secret)) out[k] = withoutSecrets(v, secret);
    }
    return out;
  }
  return values;
}

/** saveDraft stores the non-secret values; when they all equal `blank`, the draft is removed. */
export function saveDraft(storage: Storage, key: string, values: DraftValues, secret: readonly string[] = [], blank?: DraftValues) {
  const kept = withoutSecrets(values, secret) as DraftValues;
  try {
    if (blank && JSON.stringify(kept) === JSON.stringify(withoutSecrets(blank, secret))) {
      storage.removeItem(key);
      return;
    }
    storage.setItem(key, JSON.stringify(kept));
  } catch {
    // storage full or disabled: the draft is a convenience, the form still works
  }
}

/** loadDraft returns the stored draft (without secrets, even if some were stored by hand), or null. */
export function loadDraft(storage: Storage, key: string, secret: readonly string[] = []): DraftValues | null {
  try {
    const raw = storage.getItem(key);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    return withoutSecrets(parsed, secret) as DraftValues;
  } catch {
    return null;
  }
}

/** restoreDraft merges a draft into the form's initial values, keeping only known fields of the same type. */
export function restoreDraft<T extends DraftValues>(initial: T, draft: DraftValues | null): T {
  if (!draft) return initial;
  const out: DraftValues = { ...initial };
  for (const [k, v] of Object.entries(draft)) {
    if (k in initial && (initial[k] === null || typeof initial[k] === typeof v)) out[k] = v;
  }
  return out as T;
}

export function clearDraft(storage: Storage, key: string) {
  try {
    storage.removeItem(key);
  } catch {
    // nothing stored
  }
}

/** clearAllDrafts removes every draft (at logout: the next person at this computer sees none). */
export function clearAllDrafts(storage: Storage) {
  try {
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (k?.startsWith(PREFIX)) keys.push(k);
    }
    for (const k of keys) storage.removeItem(k);
  } catch {
    // nothing stored
  }
}

/** hasDraft says whether a form has unsaved input kept. */
export function hasDraft(storage: Storage, key: string): boolean {
  try {
    return storage.getItem(key) !== null;
  } catch {
    return false;
  }
}
