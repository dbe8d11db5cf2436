// Which queries each kind of live event makes stale. The query keys stay each area's (see the
// areas' queries.ts); this map only names their prefixes. Only queries on screen refetch
// (TanStack Query invalidates the others for their next use).
import type { Query, QueryClient } from '@tanstack/react-query';
import type { LiveEvent } from './live';

type Match = (key: readonly unknown[], ev: LiveEvent & { mine?: boolean }) => boolean;

const prefix =
  (...p: unknown[]): Match =>
  (key) =>
    p.every((x, i) => key[i] === x);
const timelines: Match = (key) => key[0] === 'patients' && key[2] === 'timeline';
const sub =
  (first: string, third: string): Match =>
  (key) =>
    key[0] === first && key[2] === third;

/** invalidations maps an event kind to the queries it makes stale. */
export const invalidations: Record<string, Match[]> = {
  // a chart's and an encounter's reading is audited: only the record concerned is read again,
  // and not for the user's own change (their screen already shows it: an autosave must not
  // reread the encounter being typed)
  patient: [(key, ev) => key[0] === 'patients' && ((key[1] === ev.id && !ev.mine) || key[1] === 'search' || key[1] === 'duplicates'), prefix('appointments'), prefix('bills')],
  appointment: [prefix('appointments'), timelines, prefix('telemedicine')], // a video session is its appointment's (core_telemedicinesession)
  encounter: [(key, ev) => key[0] === 'encounters' && key[1] === ev.id && !ev.mine && key.length === 2, prefix('appointments'), timelines, prefix('reports')],
  diagnosis: [sub('encounters', 'diagnoses'), sub('patients', 'diagnoses'), prefix('diagnoses', 'favourites')],
  vitals: [sub('encounters', 'vitals'), sub('patients', 'vitals'), prefix('appointments'), timelines],
  prescription: [sub('encounters', 'prescriptions'), prefix('pharmacy'), timelines],
  dispense: [prefix('pharmacy'), prefix('medications'), sub('encounters', 'prescriptions'), timelines, prefix('reports')],
  stock: [prefix('pharmacy'), prefix('medications'), prefix('reports')],
  bill: [prefix('bills'), prefix('reports'), timelines],
  service: [prefix('services')],
  notification: [prefix('notifications')],
  settings: [prefix('settings')],
  user: [prefix('users'), prefix('doctors')],
  role: [prefix('roles'), prefix('users')],
  display: [prefix('displays')],
  lab: [prefix('lab'), sub('encounters', 'lab'), sub('patients', 'lab'), timelines],
  lab_test: [prefix('lab')],
};

/** invalidateFor marks stale every query ev concerns (me: the user's id); an unknown kind concerns none. */
export function invalidateFor(qc: QueryClient, ev: LiveEvent, me = 0): Promise<void> {
  const matches = invalidations[ev.kind];
  if (!matches) return Promise.resolve();
  const e = { ...ev, mine: me !== 0 && ev.by === me };
  return qc.invalidateQueries({ predicate: (q: Query) => matches.some((m) => m(q.queryKey, e)) });
}
