import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api';

export const USERS_KEY = ['users'] as const;
export const ROLES_KEY = ['roles'] as const;
export const userKey = (id: number) => ['users', id] as const;

export function useRoles() {
  return useQuery({
    queryKey: ROLES_KEY,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/roles'))).items,
    staleTime: 5 * 60_000,
  });
}
