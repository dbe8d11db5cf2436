// The bell's server state: the newest notifications and the unread count in one query, polled
// every minute and refetched when the window regains focus; marking read is optimistic.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api';
import { livePoll } from '../live/live';
import { BELL_LIMIT, POLL_MS, markAllReadPage, markOneRead, putNotification, type NotificationPage } from './notifications';

export const NOTIFICATIONS_KEY = ['notifications', 'bell'] as const;

/** useNotifications: only inside the shell (a session exists), so never a request when logged out. */
export function useNotifications(enabled = true) {
  return useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/notifications', { params: { query: { limit: BELL_LIMIT } } })),
    enabled,
    refetchInterval: () => livePoll(POLL_MS),
    refetchOnWindowFocus: true,
    staleTime: 15_000,
  });
}

type Context = { previous: NotificationPage | undefined };

function useOptimistic<V>(mutationFn: (v: V) => Promise<unknown>, change: (page: NotificationPage, v: V) => NotificationPage, settle?: (page: NotificationPage, answer: unknown) => NotificationPage) {
  const qc = useQueryClient();
  return useMutation<unknown, Error, V, Context>({
    mutationFn,
    onMutate: async (v) => {
      await qc.cancelQueries({ queryKey: NOTIFICATIONS_KEY });
      const previous = qc.getQueryData<NotificationPage>(NOTIFICATIONS_KEY);
      if (previous) qc.setQueryData<NotificationPage>(NOTIFICATIONS_KEY, change(previous, v));
      return { previous };
    },
    onError: (_err, _v, ctx) => {
      if (ctx?.previous) qc.setQueryData(NOTIFICATIONS_KEY, ctx.previous);
    },
    onSuccess: (answer) => {
      if (!settle) return;
      const page = qc.getQueryData<NotificationPage>(NOTIFICATIONS_KEY);
      if (page) qc.setQueryData(NOTIFICATIONS_KEY, settle(page, answer));
    },
    onSettled: () => qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });
}

export function useMarkRead() {
  return useOptimistic<number>(
    (id) => unwrap(api.client.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    markOneRead,
    (page, answer) => putNotification(page, answer as NotificationPage['items'][number]),
  );
}

export function useMarkAllRead() {
  return useOptimistic<void>(() => unwrap(api.client.POST('/api/v1/notifications/read-all')), (page) => markAllReadPage(page));
}
