// The patients area's server state: search while typing, one patient (opening the chart is
// what writes the access-audit row, so it is not refetched behind the user's back), the
// timeline, and the duplicate check before registering; registering and editing.
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useInfiniteQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import type { Patient } from '../api/types';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

export const PATIENTS_KEY = ['patients'] as const;
export const patientKey = (id: number) => ['patients', id] as const;
export const timelineKey = (id: number) => ['patients', id, 'timeline'] as const;

/**
 * SEARCH_DEBOUNCE_MS: results follow the typing, one request per pause. Short enough that the
 * first results show within 150 ms of the last keystroke (a name search answers in a few ms);
 * each answer is kept under its own text, and only the answer to the text in the box is shown,
 * so a slow answer to an older text never replaces a newer one.
 */
export const SEARCH_DEBOUNCE_MS = 75;

/** usePatientSearch searches what was typed (debounced); an empty box searches nothing. */
export function usePatientSearch(q: string, limit = 20) {
  const [debounced] = useDebouncedValue(q.trim(), SEARCH_DEBOUNCE_MS);
  const query = useQuery({
    queryKey: ['patients', 'search', debounced, limit],
    queryFn: ({ signal }) => unwrap(api.client.GET('/api/v1/patients', { params: { query: { q: debounced, limit } }, signal })),
    enabled: debounced.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  return { ...query, settled: debounced === q.trim() && !query.isFetching, debounced };
}

/**
 * usePatientSearchPages: every match of what was typed, a page at a time (fetchNextPage
 * follows next_cursor); total counts them all.
 */
export function usePatientSearchPages(q: string, limit = 20, enabled = true) {
  const [debounced] = useDebouncedValue(q.trim(), SEARCH_DEBOUNCE_MS);
  const query = useInfiniteQuery({
    queryKey: ['patients', 'search', debounced, limit, 'pages'],
    queryFn: ({ signal, pageParam }) =>
      unwrap(api.client.GET('/api/v1/patients', { params: { query: { q: debounced, limit, ...(pageParam ? { cursor: pageParam } : {}) } }, signal })),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: enabled && debounced.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  return { ...query, settled: debounced === q.trim() && !query.isFetching, debounced };
}

export function usePatient(id: number) {
  return useQuery({
    queryKey: patientKey(id),
    queryFn: () => unwrap(api.client.GET('/api/v1/patients/{id}', { params: { path: { id } } })),
    enabled: id > 0,
    refetchOnWindowFocus: false,
    staleTime: 5 * 60_000,
  });
}

export function useTimeline(id: number) {
  return useQuery({
    queryKey: timelineKey(id),
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/patients/{id}/timeline', { params: { path: { id } } }))).items,
    enabled: id > 0,
  });
}

export interface DuplicateQuery {
  first_name: string;
  last_name: string;
  date_of_birth: string;
  contact_info: string;
}

/** worthChecking: names and a birth date, or a phone number, are enough to look for duplicates. */
export function worthChecking(v: DuplicateQuery): boolean {
  const names = v.first_name.trim() !== '' && v.last_name.trim() !== '' && /^\d{4}-\d{2}-\d{2}$/.test(v.date_of_birth);
  const phone = v.contact_info.replace(/\D/g, '').length >= 6;
  return names || phone;
}

export function useDuplicates(v: DuplicateQuery) {
  const [d] = useDebouncedValue(v, 400);
  const params = {
    first_name: d.first_name.trim(),
    last_name: d.last_name.trim(),
    date_of_birth: /^\d{4}-\d{2}-\d{2}$/.test(d.date_of_birth) ? d.date_of_birth : '',
    contact_info: d.contact_info.trim(),
  };
  const query = Object.fromEntries(Object.entries(params).filter(([, x]) => x !== ''));
  return useQuery({
    queryKey: ['patients', 'duplicates', params],
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/patients/duplicates', { params: { query } }))).items,
    enabled: worthChecking(d),
    staleTime: 10_000,
  });
}

/** useRegisterPatient registers a patient, once per attempt (Idempotency-Key). */
export function useRegisterPatient(options: SaveOptions<Schemas['RegisterParams'], Patient>) {
  return useApiMutation({
    ...options,
    invalidate: [PATIENTS_KEY],
    mutationFn: (body, key) => unwrap(api.client.POST('/api/v1/patients', { body, headers: { 'Idempotency-Key': key } })),
  });
}

/** useEditPatient saves the changed demographics on the version that was opened. */
export function useEditPatient(id: number, options: SaveOptions<Schemas['EditParams'], Patient>) {
  return useApiMutation({
    ...options,
    invalidate: (qc, p) => {
      qc.setQueryData(patientKey(p.id), p);
      void qc.invalidateQueries({ queryKey: PATIENTS_KEY, predicate: (q) => q.queryKey[1] === 'search' });
      void qc.invalidateQueries({ queryKey: timelineKey(p.id) });
    },
    mutationFn: (body) => unwrap(api.client.PATCH('/api/v1/patients/{id}', { params: { path: { id } }, body })),
  });
}
