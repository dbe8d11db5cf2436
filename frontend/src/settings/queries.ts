// The clinic's settings (GET /api/v1/settings), read by any logged-in user: the clinic's name
// for what is printed, the units, the slot length... One query, shared by every screen.
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import type { ClinicSettings } from '../api/types';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

export const SETTINGS_KEY = ['settings'] as const;

export function useClinicSettings() {
  return useQuery({
    queryKey: SETTINGS_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/settings')),
    staleTime: 5 * 60_000,
  });
}

/** useClinicName: the clinic's name (for printed headers) once known, else null. */
export function useClinicName(): string | null {
  const name = useClinicSettings().data?.clinic_name.trim();
  return name ? name : null;
}

/**
 * useSaveSettings saves the changed settings on the version shown. Units, slot length, the
 * clinic's name... other screens read them afresh.
 */
export function useSaveSettings(options: SaveOptions<Schemas['Change'], ClinicSettings>) {
  return useApiMutation({
    ...options,
    invalidate: (qc: QueryClient, saved) => {
      qc.setQueryData(SETTINGS_KEY, saved);
      void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== SETTINGS_KEY[0] });
    },
    mutationFn: (body) => unwrap(api.client.PATCH('/api/v1/settings', { body })),
  });
}

/** fetchSettings reads the settings in effect now (after a stale-version refusal). */
export function fetchSettings(qc: QueryClient) {
  return qc.fetchQuery({ queryKey: SETTINGS_KEY, queryFn: () => unwrap(api.client.GET('/api/v1/settings')), staleTime: 0 });
}
