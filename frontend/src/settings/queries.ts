// The clinic's settings (GET /api/v1/settings), read by any logged-in user: the clinic's name
// for what is printed, the units, the slot length... One query, shared by every screen.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api';

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
