// The appointments area's server state: the doctors, a day's or a range's appointments, the
// reception queue (refreshed every 15 s), and the moves.
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '../api';
import type { Appointment, BookParams, MoveParams } from '../api/types';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import { livePoll } from '../live/live';

export const APPOINTMENTS_KEY = ['appointments'] as const;
export const DOCTORS_KEY = ['doctors'] as const;
export const QUEUE_REFRESH_MS = 15_000;

export function useDoctors() {
  return useQuery({
    queryKey: DOCTORS_KEY,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/doctors'))).items,
    staleTime: 5 * 60_000,
  });
}

export interface AppointmentFilter {
  date?: string;
  from?: string;
  to?: string;
  doctor_id?: number;
  patient_id?: number;
  status?: string;
}

export function useAppointments(filter: AppointmentFilter, options: { enabled?: boolean; refetchInterval?: number } = {}) {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '' && v !== 0));
  return useQuery({
    queryKey: [...APPOINTMENTS_KEY, query],
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/appointments', { params: { query: { ...query, limit: 500 } } }))).items,
    enabled: options.enabled ?? true,
    refetchInterval: options.refetchInterval ? () => livePoll(options.refetchInterval!) : undefined,
    staleTime: 10_000,
  });
}

/** invalidateSchedule refreshes every schedule, queue and chart that shows appointments. */
export function invalidateSchedule(qc: QueryClient) {
  return Promise.all([qc.invalidateQueries({ queryKey: APPOINTMENTS_KEY }), qc.invalidateQueries({ queryKey: ['patients'], predicate: (q) => q.queryKey[2] === 'timeline' })]);
}

/** useMoveAppointment: a move (status, reschedule) of `a` on the version shown; the schedule is refreshed whatever the answer. */
export function useMoveAppointment(a: Appointment, options: SaveOptions<Omit<MoveParams, 'version'>, Appointment>) {
  const qc = useQueryClient();
  return useApiMutation({
    ...options,
    invalidate: (qc) => invalidateSchedule(qc),
    afterError: () => invalidateSchedule(qc),
    mutationFn: (change) => unwrap(api.client.PATCH('/api/v1/appointments/{id}', { params: { path: { id: a.id } }, body: { version: a.version, ...change } })),
  });
}

/**
 * useBook books an appointment or checks a walk-in in, once per attempt (Idempotency-Key); the
 * doctor is remembered for the next one. A slot taken meanwhile refreshes the schedule.
 */
export function useBook(options: SaveOptions<BookParams, Appointment>) {
  const qc = useQueryClient();
  return useApiMutation({
    ...options,
    onSuccess: (a, v) => {
      rememberDoctor(a.doctor_id);
      return options.onSuccess?.(a, v);
    },
    invalidate: (qc) => invalidateSchedule(qc),
    afterError: (err) => (err instanceof ApiError && err.code === 'slot-taken' ? invalidateSchedule(qc) : undefined),
    mutationFn: (body, key) => unwrap(api.client.POST('/api/v1/appointments', { body, headers: { 'Idempotency-Key': key } })),
  });
}

export const LAST_DOCTOR_KEY = 'chelal.lastDoctor';

/** lastDoctor is the doctor this desk booked with last (a default, kept on this computer). */
export function lastDoctor(): number {
  try {
    return Number(localStorage.getItem(LAST_DOCTOR_KEY)) || 0;
  } catch {
    return 0;
  }
}

export function rememberDoctor(id: number) {
  try {
    localStorage.setItem(LAST_DOCTOR_KEY, String(id));
  } catch {
    // only a default
  }
}
