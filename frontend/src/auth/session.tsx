// The session: who is logged in (GET /auth/me, cached by TanStack Query under ME_KEY), the
// CSRF token the API client sends, and the actions that change it: logged in, logged out,
// ended by the server or by the idle timer.
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { api, ApiError, unwrap } from '../api';
import type { SessionInfo, User } from '../api/types';
import { clearAllDrafts } from '../forms/drafts';
import { i18n } from '../i18n';
import { isLanguage } from '../i18n/languages';
import { idleMinutes, idleTimeoutMs } from './idle';

export const ME_KEY = ['me'] as const;
export const SETUP_KEY = ['setup'] as const;

async function fetchMe(): Promise<SessionInfo | null> {
  try {
    const info = await unwrap(api.client.GET('/api/v1/auth/me'));
    api.setCsrfToken(info.csrf_token);
    return info;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      api.setCsrfToken(null);
      if (err.code === 'session-expired') {
        notifications.show({ id: 'session-ended', color: 'yellow', autoClose: false, message: i18n.t('session.expired') });
      }
      return null;
    }
    throw err;
  }
}

export function useSetupStatus() {
  return useQuery({
    queryKey: SETUP_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/setup')),
    staleTime: Infinity,
  });
}

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000 });
}

/** applyUserLanguage switches the UI to the user's language_preference. */
export function applyUserLanguage(user: Pick<User, 'language_preference'>) {
  if (isLanguage(user.language_preference) && i18n.language !== user.language_preference) {
    void i18n.changeLanguage(user.language_preference);
  }
}

/** signedIn records a login's answer: the session, its CSRF token and the user's language. */
export function signedIn(qc: QueryClient, info: SessionInfo) {
  api.setCsrfToken(info.csrf_token);
  applyUserLanguage(info.user);
  qc.setQueryData(ME_KEY, info);
}

/** signedOut forgets everything the session showed; the login screen follows. */
export function signedOut(qc: QueryClient) {
  api.setCsrfToken(null);
  // The session query stays (its observer shows the login screen); every other one goes.
  void qc.cancelQueries({ queryKey: ME_KEY });
  qc.setQueryData(ME_KEY, null);
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] && q.queryKey[0] !== SETUP_KEY[0] });
}

export type LogoutReason = 'user' | 'idle';

/** useLogout ends the session on the server (if it still answers) and here. */
export function useLogout() {
  const qc = useQueryClient();
  return useCallback(
    async (reason: LogoutReason) => {
      try {
        await api.client.POST('/api/v1/auth/logout');
      } catch {
        // offline: the server ends the session at its idle timeout anyway
      }
      // Logging out by hand hands the computer over: nothing typed stays behind. An automatic
      // logoff keeps the drafts for the same user's next login.
      if (reason === 'user') clearAllDrafts(window.sessionStorage);
      const minutes = idleMinutes(idleTimeoutMs(qc.getQueryData<SessionInfo | null>(ME_KEY)?.session_idle_seconds));
      signedOut(qc);
      if (reason === 'idle') {
        notifications.show({ id: 'session-ended', color: 'yellow', autoClose: false, message: i18n.t('session.loggedOffIdle', { minutes }) });
      }
    },
    [qc],
  );
}

/** sessionEnded is what a 401 from any request does: back to login, saying why. */
export function sessionEnded(qc: QueryClient, err: ApiError) {
  if (!qc.getQueryData(ME_KEY)) return;
  signedOut(qc);
  notifications.show({
    id: 'session-ended',
    color: 'yellow',
    autoClose: false,
    message: err.code === 'session-expired' ? i18n.t('session.expired') : i18n.t('session.loggedOut'),
  });
}

export interface Session {
  user: User;
  permissions: readonly string[];
  can: (permission: string) => boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ info, children }: { info: SessionInfo; children: ReactNode }) {
  const value = useMemo<Session>(
    () => ({ user: info.user, permissions: info.permissions, can: (p) => info.permissions.includes(p) }),
    [info],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** useSession is the logged-in user; only screens inside the shell call it. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** updateSessionUser puts a changed user (PATCH /auth/me's answer) into the session. */
export function updateSessionUser(qc: QueryClient, user: User) {
  qc.setQueryData<SessionInfo | null>(ME_KEY, (old) => (old ? { ...old, user } : old));
}
