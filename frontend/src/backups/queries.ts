// The backups list, shared by the Backups page and the administrator's home page.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api';

export const BACKUPS_KEY = ['backups'] as const;

/** useBackups lists the backups, newest first; refreshed every few minutes (scheduled backups run by themselves). */
export function useBackups() {
  return useQuery({
    queryKey: BACKUPS_KEY,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/backups'))).items,
    refetchInterval: 5 * 60_000,
  });
}
