// LiveEvents: the app's one event stream (GET /api/v1/events, server-sent events). Each event
// marks stale the queries it concerns (invalidation.ts), so every screen on display refetches
// within a moment of a change made elsewhere; a notification for the user shows at once (with
// the chime, if the user chose it). While the stream is down the screens fall back to polling
// (livePoll) and the header says live updates are paused. Mounted once, in the shell.
import { Badge, Tooltip } from '@mantine/core';
import { notifications as toasts } from '@mantine/notifications';
import { IconPlayerPause } from '@tabler/icons-react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ME_KEY, useSession } from '../auth/session';
import { NOTIFICATIONS_KEY } from '../notifications/queries';
import type { NotificationPage } from '../notifications/notifications';
import { invalidateFor } from './invalidation';
import { handoverPrefs, isHandover, playChime } from './handover';
import { firstSight, liveStatus, recordChange, setLiveStatus, useLiveStatus, type LiveEvent } from './live';

/** PAUSED_AFTER_MS: a stream that reconnects within this long (a restart, a proxy) is not shown as paused. */
export const PAUSED_AFTER_MS = 3000;
/** RETRY_MS: how long to wait before opening a stream the browser gave up on (an error status). */
const RETRY_MS = 5000;

/** refreshPolling makes the queries that poll while the stream is down re-read their interval. */
function refreshPolling(qc: QueryClient) {
  void qc.invalidateQueries({ predicate: (q) => typeof (q.options as { refetchInterval?: unknown }).refetchInterval === 'function' });
}

export function LiveEvents() {
  const qc = useQueryClient();
  const { user, permissions } = useSession();
  const perms = permissions.join(',');
  const prefs = useRef(user.preferences);
  prefs.current = user.preferences;

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    let es: EventSource | null = null;
    let lastId = '';
    let pausedTimer: ReturnType<typeof setTimeout> | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const goLive = () => {
      clearTimeout(pausedTimer);
      pausedTimer = undefined;
      const was = liveStatus();
      setLiveStatus('live');
      if (was !== 'live') refreshPolling(qc);
    };
    const goDown = () => {
      if (pausedTimer !== undefined || liveStatus() === 'paused') return;
      pausedTimer = setTimeout(() => {
        pausedTimer = undefined;
        setLiveStatus('paused');
        refreshPolling(qc);
      }, PAUSED_AFTER_MS);
    };

    const onEvent = (m: MessageEvent<string>) => {
      if (!firstSight(m.lastEventId)) return; // sent again by a resume: handled already
      if (m.lastEventId && Number(m.lastEventId) > Number(lastId || 0)) lastId = m.lastEventId;
      let ev: LiveEvent;
      try {
        ev = JSON.parse(m.data) as LiveEvent;
      } catch {
        return;
      }
      recordChange(ev);
      if (ev.kind === 'notification' && ev.action === 'create') {
        void announce(qc, ev.id, prefs.current);
      } else if (ev.kind === 'user' && ev.id === user.id) {
        void qc.invalidateQueries({ queryKey: ME_KEY });
      } else {
        void invalidateFor(qc, ev, user.id);
      }
    };

    const open = () => {
      if (stopped) return;
      const url = lastId ? `/api/v1/events?last_event_id=${encodeURIComponent(lastId)}` : '/api/v1/events';
      es = new EventSource(url);
      es.onopen = goLive;
      es.onmessage = onEvent;
      es.addEventListener('reset', (m) => {
        if ((m as MessageEvent).lastEventId) lastId = (m as MessageEvent).lastEventId;
        void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      });
      // The session ended (logout elsewhere, deactivation, another role): asking who we are
      // now either logs out (401) or brings the new permissions, which reopen the stream.
      es.addEventListener('end', () => {
        es?.close();
        void qc.invalidateQueries({ queryKey: ME_KEY });
        retryTimer = setTimeout(open, RETRY_MS);
      });
      es.onerror = () => {
        goDown();
        if (es?.readyState === EventSource.CLOSED) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(open, RETRY_MS);
        }
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(pausedTimer);
      clearTimeout(retryTimer);
      es?.close();
      setLiveStatus('connecting');
    };
  }, [qc, user.id, perms]);

  return null;
}

/** announce shows a new notification of the user's at once, with the chime if chosen. */
async function announce(qc: QueryClient, id: number, preferences: unknown) {
  await qc.invalidateQueries({ queryKey: ['notifications'] });
  const page = qc.getQueryData<NotificationPage>(NOTIFICATIONS_KEY);
  const n = page?.items.find((x) => x.id === id);
  if (!n || n.is_read) return;
  toasts.show({ id: `notification-${n.id}`, title: n.title, message: n.message, color: isHandover(n.notification_type) ? 'teal' : 'blue', autoClose: 8000 });
  if (isHandover(n.notification_type) && handoverPrefs(preferences).sound) playChime();
}

/** LiveStatusBadge: "live updates paused" in the header while the stream is down. */
export function LiveStatusBadge() {
  const { t } = useTranslation();
  const status = useLiveStatus();
  if (status !== 'paused') return null;
  return (
    <Tooltip label={t('live.pausedHint')} withArrow>
      <Badge color="yellow" variant="light" leftSection={<IconPlayerPause size={12} aria-hidden />} data-testid="live-paused" role="status">
        {t('live.paused')}
      </Badge>
    </Tooltip>
  );
}
