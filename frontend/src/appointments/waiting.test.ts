import { describe, expect, it } from 'vitest';
import type { Appointment } from '../api/types';
import { waitingCounts } from './waiting';

describe('waitingCounts', () => {
  it('counts every visit still in the clinic, by state, and not the done or not checked in', () => {
    const states: (Appointment['visit_state'] | undefined)[] = [
      'checked_in',
      'checked_in',
      'vitals_taken',
      'with_doctor',
      'to_pharmacy',
      'to_cashier',
      'done',
      undefined, // booked, not checked in
    ];
    const c = waitingCounts(states.map((visit_state) => ({ visit_state })));
    expect(c.total).toBe(6);
    expect(c.byState).toEqual({ checked_in: 2, vitals_taken: 1, with_doctor: 1, to_pharmacy: 1, to_cashier: 1 });
  });
  it('is zero for an empty day', () => {
    expect(waitingCounts([]).total).toBe(0);
  });
});
