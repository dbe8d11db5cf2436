// One's own account's changes: the password, the profile image, two-factor sign-in (start,
// enable with a code, disable with the password and a code). What they change of the session's
// user is refreshed (ME_KEY).
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import { toApiError } from '../api/client';
import type { TwoFactorEnrolment, User } from '../api/types';
import { ME_KEY, updateSessionUser } from '../auth/session';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

export function useChangePassword(options: SaveOptions<Schemas['ChangePasswordParams'], unknown>) {
  return useApiMutation({ ...options, mutationFn: (body) => unwrap(api.client.POST('/api/v1/auth/password', { body })) });
}

/** useUploadProfileImage sets one's profile image (the schema does not type this raw body). */
export function useUploadProfileImage(options: SaveOptions<File, User>) {
  const qc = useQueryClient();
  return useApiMutation({
    ...options,
    invalidate: (_, user) => updateSessionUser(qc, user),
    mutationFn: async (file) => {
      // api.fetch adds the CSRF header all the same.
      const res = await api.fetch('/api/v1/auth/me/profile-image', { method: 'PUT', body: file, headers: { 'Content-Type': file.type } });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) throw toApiError(res, body);
      return (body as { user: User }).user;
    },
  });
}

export function useStartTwoFactor(options: SaveOptions<void, TwoFactorEnrolment>) {
  return useApiMutation({ ...options, mutationFn: () => unwrap(api.client.POST('/api/v1/auth/2fa/setup')) });
}

/** useEnableTwoFactor confirms the enrolment with a code; the answer is the recovery codes. */
export function useEnableTwoFactor(options: SaveOptions<string, string[]>) {
  return useApiMutation({
    ...options,
    invalidate: (qc) => void qc.invalidateQueries({ queryKey: ME_KEY }),
    mutationFn: async (code) => (await unwrap(api.client.POST('/api/v1/auth/2fa/enable', { body: { code } }))).recovery_codes,
  });
}

export function useDisableTwoFactor(options: SaveOptions<Schemas['DisableTwoFactorParams'], unknown>) {
  return useApiMutation({
    ...options,
    invalidate: [ME_KEY],
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/auth/2fa/disable', { body })),
  });
}
