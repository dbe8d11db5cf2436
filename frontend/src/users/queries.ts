// The users' server state (the list, one user, the roles) and their changes.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api';
import type { CreateUserParams, UpdateUserParams, User } from '../api/types';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

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

export function useCreateUser(options: SaveOptions<CreateUserParams, User>) {
  return useApiMutation({
    ...options,
    invalidate: [USERS_KEY],
    mutationFn: async (body) => (await unwrap(api.client.POST('/api/v1/users', { body }))).user,
  });
}

/** useUpdateUser saves what changed, with the version the user was read at. */
export function useUpdateUser(id: number, options: SaveOptions<UpdateUserParams, User>) {
  return useApiMutation({
    ...options,
    invalidate: (qc, saved) => {
      qc.setQueryData(userKey(id), saved);
      return qc.invalidateQueries({ queryKey: USERS_KEY });
    },
    mutationFn: async (body) => (await unwrap(api.client.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body }))).user,
  });
}

/** useResetTwoFactor turns a user's 2FA off (they lost their phone). */
export function useResetTwoFactor(id: number, options: SaveOptions<void, User>) {
  return useApiMutation({
    ...options,
    invalidate: async (qc, saved) => {
      await qc.invalidateQueries({ queryKey: USERS_KEY });
      qc.setQueryData(userKey(id), saved);
    },
    mutationFn: async () => (await unwrap(api.client.POST('/api/v1/users/{id}/2fa/reset', { params: { path: { id } } }))).user,
  });
}
