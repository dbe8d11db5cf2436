import { beforeEach, describe, expect, it } from 'vitest';
import { clearAllDrafts, clearDraft, draftKey, hasDraft, loadDraft, restoreDraft, saveDraft, withoutSecrets } from './drafts';

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.has(k) ? this.m.get(k)! : null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, String(v));
  }
  dump() {
    return [...this.m.values()].join('\n');
  }
}

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
});

const blank = { username: '', first_name: '', email: '', role_id: '', password: '', confirm_password: '' };

describe('form drafts', () => {
  it('are saved and restored', () => {
    const key = draftKey(7, 'user-create');
    saveDraft(storage, key, { ...blank, username: 'amina', first_name: 'Amina', role_id: '4' }, [], blank);
    expect(hasDraft(storage, key)).toBe(true);
    const restored = restoreDraft(blank, loadDraft(storage, key));
    expect(restored).toEqual({ ...blank, username: 'amina', first_name: 'Amina', role_id: '4' });
  });

  it('never store passwords', () => {
    const key = draftKey(7, 'user-create');
    saveDraft(storage, key, { ...blank, username: 'amina', password: 'correct horse battery', confirm_password: 'correct horse battery' }, [], blank);
    expect(storage.dump()).not.toContain('correct horse');
    expect(loadDraft(storage, key)).toEqual({ username: 'amina', first_name: '', email: '', role_id: '' });
  });

  it('never store fields named secret, nor codes, tokens or recovery codes, at any depth', () => {
    const key = draftKey(1, 'x');
    const values = {
      note: 'keep',
      pin: '1234',
      otp: '123456',
      csrf_token: 't',
      recovery_code: 'abcd-efgh',
      current_password: 'p1',
      nested: { new_password: 'p2', kept: 'yes', list: [{ secret: 's', name: 'n' }] },
    };
    saveDraft(storage, key, values, ['pin']);
    const text = storage.dump();
    for (const s of ['1234', '123456', '"t"', 'abcd-efgh', 'p1', 'p2', '"s"']) expect(text).not.toContain(s);
    expect(loadDraft(storage, key, ['pin'])).toEqual({ note: 'keep', nested: { kept: 'yes', list: [{ name: 'n' }] } });
  });

  it('drop secrets even from a draft written by something else', () => {
    const key = draftKey(1, 'x');
    storage.setItem(key, JSON.stringify({ username: 'a', password: 'leaked' }));
    expect(loadDraft(storage, key)).toEqual({ username: 'a' });
  });

  it('are removed when the form is back to blank, and when cleared', () => {
    const key = draftKey(1, 'f');
    saveDraft(storage, key, { ...blank, username: 'a' }, [], blank);
    saveDraft(storage, key, { ...blank, password: 'only a password typed' }, [], blank);
    expect(hasDraft(storage, key)).toBe(false);
    saveDraft(storage, key, { ...blank, username: 'a' }, [], blank);
    clearDraft(storage, key);
    expect(loadDraft(storage, key)).toBeNull();
  });

  it('belong to one user and one form', () => {
    saveDraft(storage, draftKey(1, 'f'), { username: 'one' });
    saveDraft(storage, draftKey(2, 'f'), { username: 'two' });
    expect(loadDraft(storage, draftKey(1, 'f'))).toEqual({ username: 'one' });
    expect(loadDraft(storage, draftKey(2, 'f'))).toEqual({ username: 'two' });
    expect(loadDraft(storage, draftKey(1, 'g'))).toBeNull();
  });

  it('are all removed at logout, and nothing else is', () => {
    storage.setItem('chelal.language', 'sw');
    saveDraft(storage, draftKey(1, 'a'), { x: '1' });
    saveDraft(storage, draftKey(2, 'b'), { x: '2' });
    clearAllDrafts(storage);
    expect(storage.length).toBe(1);
    expect(storage.getItem('chelal.language')).toBe('sw');
  });

  it('restore only known fields of the right type, and ignore a corrupt draft', () => {
    expect(restoreDraft({ a: '', n: 0, b: false }, { a: 'x', n: 'not a number', b: true, z: 'unknown' })).toEqual({ a: 'x', n: 0, b: true });
    storage.setItem(draftKey(1, 'c'), '{not json');
    expect(loadDraft(storage, draftKey(1, 'c'))).toBeNull();
    storage.setItem(draftKey(1, 'd'), '[1,2]');
    expect(loadDraft(storage, draftKey(1, 'd'))).toBeNull();
  });

  it('withoutSecrets leaves dates and plain values alone', () => {
    const d = new Date(0);
    expect(withoutSecrets({ when: d, n: 3 })).toEqual({ when: d, n: 3 });
    expect(withoutSecrets('text')).toBe('text');
  });
});
