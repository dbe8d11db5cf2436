// IdleLogoff: logs the user off after the server's idle timeout (session_idle_seconds) without
// keyboard or pointer activity, with a warning a minute before. Activity in any tab of this browser counts (shared through
// localStorage), so a second, idle tab does not end the session of the first. The server's idle
// clock hears only of the user's own requests (ACTIVITY_HEADER), never of background refreshes:
// input marks the reads sent soon after it, and a keepalive tells it of activity without requests.
import { Button, Group, Modal, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { ACTIVITY_HEADER, toApiError } from '../api/client';
import { idlePhase, idleTimeoutMs, needsKeepalive, secondsLeft, warningMs, type IdlePhase } from './idle';
import { sessionEnded, useLogout, useMe } from './session';

const SHARED_KEY = 'chelal.lastActivity';
const EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/** markActivity counts as the user's activity in every tab (a video call in progress: the doctor is there). */
export function markActivity(now = Date.now()) {
  try {
    localStorage.setItem(SHARED_KEY, String(now));
  } catch {
    // no storage: the idle clock goes on
  }
}

function sharedActivity(): number {
  try {
    return Number(localStorage.getItem(SHARED_KEY)) || 0;
  } catch {
    return 0;
  }
}

export function IdleLogoff() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const logout = useLogout();
  const timeout = idleTimeoutMs(useMe().data?.session_idle_seconds);
  const last = useRef(Date.now());
  const input = useRef(0); // the user's last key or pointer input here (not the clock's start)
  const [phase, setPhase] = useState<IdlePhase>('active');
  const [left, setLeft] = useState(60);

  useEffect(() => {
    let shared = 0;
    const mark = () => {
      const now = Date.now();
      last.current = now;
      input.current = now;
      api.noteUserInput(now);
      if (now - shared > 5000) {
        shared = now;
        try {
          localStorage.setItem(SHARED_KEY, String(now));
        } catch {
          // this tab's own clock still works
        }
      }
    };
    // The idle clock starts at login (or a reload); that is not input the server must hear of.
    last.current = Date.now();
    for (const e of EVENTS) window.addEventListener(e, mark, { passive: true, capture: true });
    const timer = window.setInterval(() => {
      const now = Date.now();
      const lastActivity = Math.max(last.current, sharedActivity());
      const p = idlePhase(now, lastActivity, timeout, warningMs(timeout));
      setPhase(p);
      if (p === 'warning') setLeft(secondsLeft(now, lastActivity, timeout));
      if (p === 'expired') {
        window.clearInterval(timer);
        void logout('idle');
      } else if (needsKeepalive(now, Math.max(input.current, sharedActivity()), api.lastActiveAnswerAt())) {
        // The user is there (here or in another tab): say so, since background reads do not.
        api.client
          .GET('/api/v1/auth/me', { headers: { [ACTIVITY_HEADER]: 'user' } })
          .then(({ response, error }) => {
            if (response.status === 401) sessionEnded(qc, toApiError(response, error));
          })
          .catch(() => {
            // offline: the banner says so
          });
      }
    }, 1000);
    return () => {
      window.clearInterval(timer);
      for (const e of EVENTS) window.removeEventListener(e, mark, { capture: true });
    };
  }, [logout, qc, timeout]);

  return (
    <Modal
      opened={phase === 'warning'}
      onClose={() => {
        last.current = Date.now();
        setPhase('active');
      }}
      title={t('idle.title')}
      centered
      zIndex={400}
    >
      <Text mb="md" role="alert">
        {t('idle.message', { seconds: left })}
      </Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={() => void logout('user')}>
          {t('idle.logoffNow')}
        </Button>
        <Button data-autofocus onClick={() => setPhase('active')}>
          {t('idle.stay')}
        </Button>
      </Group>
    </Modal>
  );
}
