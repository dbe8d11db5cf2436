// Signing in and the first run's setup: both end in a session (signedIn).
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import type { SessionInfo } from '../api/types';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import { SETUP_KEY, signedIn } from './session';

export function useLogin(options: SaveOptions<Schemas['LoginParams'], SessionInfo>) {
  const qc = useQueryClient();
  return useApiMutation({
    ...options,
    invalidate: (_, info) => signedIn(qc, info),
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/auth/login', { body })),
  });
}

/**
 * useSetup names the clinic and creates the first administrator, then logs them in. After a
 * failure the setup state is read again: set up already (by someone else, or the login after it
 * failed), the login screen follows.
 */
export function useSetup(options: SaveOptions<Schemas['SetupParams'], SessionInfo>) {
  const qc = useQueryClient();
  return useApiMutation({
    ...options,
    invalidate: (_, info) => {
      qc.setQueryData(SETUP_KEY, { needed: false });
      signedIn(qc, info);
    },
    afterError: async (err, placed, vars) => {
      await options.afterError?.(err, placed, vars);
      void qc.invalidateQueries({ queryKey: SETUP_KEY });
    },
    mutationFn: async (body) => {
      await unwrap(api.client.POST('/api/v1/setup', { body }));
      return unwrap(api.client.POST('/api/v1/auth/login', { body: { username: body.username, password: body.password } }));
    },
  });
}
