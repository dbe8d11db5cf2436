import { describe, expect, it } from 'vitest';
import { auditQuery, changedFields, isChange } from './audit';

describe('audit screen logic', () => {
  it('the filter query leaves empty fields out and is shared by list and export', () => {
    expect(auditQuery({})).toBe('');
    expect(auditQuery({ user_id: 3, patient_id: undefined, action: '', from: '2026-03-11', to: '2026-03-12' })).toBe('?user_id=3&from=2026-03-11&to=2026-03-12');
    expect(auditQuery({ model_name: 'core_patient&x=1' })).toBe('?model_name=core_patient%26x%3D1');
  });

  it('pairs each field before and after, for an update, a creation and a deletion', () => {
    expect(changedFields({ old: { contact_info: '0711', notes: null }, new: { contact_info: '0722', notes: 'x' } })).toEqual([
      { field: 'contact_info', before: '0711', after: '0722', hasBefore: true, hasAfter: true, changed: true },
      { field: 'notes', before: null, after: 'x', hasBefore: true, hasAfter: true, changed: true },
    ]);
    expect(changedFields({ new: { id: 4 } })).toEqual([{ field: 'id', before: undefined, after: 4, hasBefore: false, hasAfter: true, changed: true }]);
    expect(changedFields({ old: { id: 4 } })[0]).toMatchObject({ hasBefore: true, hasAfter: false });
  });

  it('tells a change from an application row (a login, a chart opened)', () => {
    expect(isChange({ old: {}, new: {} })).toBe(true);
    expect(isChange({ username: 'doc' })).toBe(false);
    expect(isChange(null)).toBe(false);
    expect(changedFields({ username: 'doc' })).toEqual([]);
  });
});
