import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { handoverPrefs } from './handover';
import { invalidateFor, invalidations } from './invalidation';
import { firstSight, latestChange, livePoll, recordChange, setLiveStatus } from './live';

describe('livePoll', () => {
  it('polls only while the stream is not live', () => {
    setLiveStatus('connecting');
    expect(livePoll(15_000)).toBe(15_000);
    setLiveStatus('live');
    expect(livePoll(15_000)).toBe(false);
    setLiveStatus('paused');
    expect(livePoll(60_000)).toBe(60_000);
  });
});

describe('invalidateFor', () => {
  function client() {
    const qc = new QueryClient();
    for (const key of [
      ['appointments', { date: '2026-12-02' }],
      ['appointments', 'visits', 3],
      ['patients', 7],
      ['patients', 8],
      ['patients', 7, 'timeline'],
      ['encounters', 5],
      ['encounters', 6, 'vitals'],
      ['bills', 'list', {}],
      ['notifications', 'bell'],
      ['pharmacy', 'queue', 'waiting'],
    ]) {
      qc.setQueryData(key, 1);
    }
    return qc;
  }
  const stale = (qc: QueryClient) =>
    qc
      .getQueryCache()
      .getAll()
      .filter((q) => q.state.isInvalidated)
      .map((q) => JSON.stringify(q.queryKey))
      .sort();

  it('an appointment refreshes the lists and the timelines, not the charts', async () => {
    const qc = client();
    await invalidateFor(qc, { kind: 'appointment', id: 1, action: 'update', at: '' });
    expect(stale(qc)).toEqual(['["appointments","visits",3]', '["appointments",{"date":"2026-12-02"}]', '["patients",7,"timeline"]'].sort());
  });

  it('a patient refreshes only that chart (its reading is audited)', async () => {
    const qc = client();
    await invalidateFor(qc, { kind: 'patient', id: 7, action: 'update', at: '' });
    const s = stale(qc);
    expect(s).toContain('["patients",7]');
    expect(s).not.toContain('["patients",8]');
  });

  it('one\'s own change does not reread the audited record', async () => {
    const qc = client();
    await invalidateFor(qc, { kind: 'encounter', id: 5, action: 'update', at: '', by: 9 }, 9);
    expect(stale(qc)).not.toContain('["encounters",5]');
    const qc2 = client();
    await invalidateFor(qc2, { kind: 'encounter', id: 5, action: 'update', at: '', by: 8 }, 9);
    expect(stale(qc2)).toContain('["encounters",5]');
  });

  it('a notification refreshes the bell only; an unknown kind nothing', async () => {
    const qc = client();
    await invalidateFor(qc, { kind: 'notification', id: 1, action: 'create', at: '' });
    expect(stale(qc)).toEqual(['["notifications","bell"]']);
    const qc2 = client();
    await invalidateFor(qc2, { kind: 'nonsense', id: 1, action: 'create', at: '' });
    expect(stale(qc2)).toEqual([]);
  });

  it('knows every kind the server sends', () => {
    for (const kind of ['patient', 'appointment', 'encounter', 'vitals', 'prescription', 'dispense', 'stock', 'bill', 'service', 'notification', 'settings', 'user', 'role', 'display']) {
      expect(invalidations[kind], kind).toBeDefined();
    }
  });
});

describe('changes and preferences', () => {
  it('remembers the latest change of a record', () => {
    recordChange({ kind: 'patient', id: 3, version: 4, action: 'update', at: '', by: 2, by_name: 'Neema' });
    expect(latestChange('patient', 3)?.version).toBe(4);
    expect(latestChange('patient', 4)).toBeUndefined();
  });

  it('hand-over kinds are on and the sound off until chosen', () => {
    expect(handoverPrefs(null)).toEqual({ checkin: true, vitals: true, prescriptions: true, bill: true, lab: true, sound: false });
    expect(handoverPrefs({ handover: { checkin: false, sound: true } })).toMatchObject({ checkin: false, vitals: true, sound: true });
  });
});

describe('firstSight', () => {
  it('drops the events a resumed stream sends again, in any order', () => {
    expect(firstSight('11')).toBe(true);
    expect(firstSight('10')).toBe(true); // committed after 11: still new
    expect(firstSight('11')).toBe(false);
    expect(firstSight('10')).toBe(false);
    expect(firstSight('12')).toBe(true);
    expect(firstSight('')).toBe(true); // no id: nothing to compare
  });
});
