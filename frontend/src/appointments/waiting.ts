// The home page's "Waiting now": the visits of the day by state, counted from the same list the
// reception queue, the nurse's list and the doctor's list show (GET /appointments?visits=active),
// so the number on the home page is the queues' number. A patient checked in, with vitals
// taken, with the doctor, sent to the pharmacy or to the cashier is still waiting somewhere; a
// visit that is done, or an appointment not checked in, is not.
import type { Appointment } from '../api/types';

export type VisitState = NonNullable<Appointment['visit_state']>;

/** The states in which a patient is still in the clinic, in the order of a visit. */
export const ACTIVE_STATES: readonly VisitState[] = ['checked_in', 'vitals_taken', 'with_doctor', 'to_pharmacy', 'to_cashier'];

/** WaitingCounts: the visits still in the clinic, in all and by state. */
export interface WaitingCounts {
  total: number;
  byState: Record<(typeof ACTIVE_STATES)[number], number>;
}

/** waitingCounts counts the visits by state; done and not-checked-in ones are not counted. */
export function waitingCounts(items: readonly Pick<Appointment, 'visit_state'>[]): WaitingCounts {
  const byState = Object.fromEntries(ACTIVE_STATES.map((s) => [s, 0])) as WaitingCounts['byState'];
  let total = 0;
  for (const a of items) {
    const s = a.visit_state;
    if (s && s in byState) {
      byState[s as keyof typeof byState]++;
      total++;
    }
  }
  return { total, byState };
}
