// Visit states as the server derives them (GET /api/v1/appointments?visits=active): the badge
// every queue shows, the minutes in that state counted on the server's clock, and the one next
// action a user's permissions allow for a visit in a given state.
import { Badge, Button, Group, Text } from '@mantine/core';
import { IconActivityHeartbeat, IconCash, IconPill, IconStethoscope } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap } from '../api';
import { livePoll } from '../live/live';
import type { Appointment } from '../api/types';
import { useNow } from '../shell/useNow';
import { APPOINTMENTS_KEY, QUEUE_REFRESH_MS } from './queries';

export type VisitState = NonNullable<Appointment['visit_state']>;

/** The states of a visit still waiting for a nurse or a doctor. */
export const WAITING_STATES: readonly VisitState[] = ['checked_in', 'vitals_taken'];
/** The states after the consultation. */
export const AFTER_STATES: readonly VisitState[] = ['to_pharmacy', 'to_cashier'];

const STATE_COLORS: Record<VisitState, string> = {
  checked_in: 'blue',
  vitals_taken: 'cyan',
  with_doctor: 'violet',
  to_pharmacy: 'orange',
  to_cashier: 'yellow',
  done: 'teal',
};

/** Visits: the clinic's today's visits and the server's clock offset (server - this computer). */
export interface Visits {
  items: Appointment[];
  offset: number;
}

/**
 * useVisits: today's visits not done (of one doctor, or all with doctorId 0), in arrival
 * order, with their state; refreshed like the queue. Today is the clinic's, decided by the
 * server.
 */
export function useVisits(doctorId = 0) {
  return useQuery({
    queryKey: [...APPOINTMENTS_KEY, 'visits', doctorId],
    queryFn: async (): Promise<Visits> => {
      const l = await unwrap(api.client.GET('/api/v1/appointments', { params: { query: { visits: 'active', doctor_id: doctorId || undefined, limit: 500 } } }));
      return { items: l.items, offset: l.now ? new Date(l.now).getTime() - Date.now() : 0 };
    },
    refetchInterval: () => livePoll(QUEUE_REFRESH_MS),
    staleTime: 10_000,
  });
}

/** useServerNow: the server's clock (this computer's plus offset), ticking every 30 seconds. */
export function useServerNow(offset: number) {
  return new Date(useNow() + offset);
}

/** stateMinutes: whole minutes since the visit's state began, on the server's clock. */
export function stateMinutes(a: Pick<Appointment, 'waiting_since' | 'checked_in_at'>, serverNow: Date): number {
  const since = a.waiting_since ?? a.checked_in_at;
  if (!since) return 0;
  return Math.max(0, Math.floor((serverNow.getTime() - new Date(since).getTime()) / 60_000));
}

type ActionKind = 'vitals' | 'consult' | 'continue' | 'dispense' | 'pay';

/** VisitStateCell: the state badge and "waiting 12 min" (red after an hour, orange after 30). */
export function VisitStateCell({ a, serverNow }: { a: Appointment; serverNow: Date }) {
  const { t } = useTranslation();
  const state = a.visit_state;
  if (!state) return null;
  const n = stateMinutes(a, serverNow);
  return (
    <Group gap={6} wrap="nowrap" data-testid="visit-state" data-state={state}>
      <Badge color={STATE_COLORS[state]} variant="light">
        {t(`visit.state.${state}`)}
      </Badge>
      {state !== 'done' && (
        <Text size="sm" c={n >= 60 ? 'red' : n >= 30 ? 'orange' : 'dimmed'} data-testid="visit-wait" data-minutes={n}>
          {t('visit.waitingFor', { n })}
        </Text>
      )}
    </Group>
  );
}

/**
 * NextAction: the next step of a visit in its state, offered only to a user whose permissions
 * allow it: vitals (vitals.write) and the consultation (encounters.write) while waiting, going
 * on with the consultation while with the doctor, dispensing (pharmacy.write) and taking the
 * payment (billing.write) after it. `only` narrows it to one kind (the nurse's list offers
 * vitals, not the consultation, even to an administrator).
 */
export function NextAction({
  a,
  can,
  only,
  size = 'compact-sm',
  primary = false,
  ids = {},
}: {
  a: Appointment;
  can: (p: string) => boolean;
  only?: 'vitals' | 'consult';
  size?: string;
  primary?: boolean;
  /** test ids' prefixes by action (the id is `<prefix>-<appointment>`), default `action-<kind>` */
  ids?: Partial<Record<ActionKind, string>>;
}) {
  const { t } = useTranslation();
  const tid = (kind: ActionKind) => `${ids[kind] ?? `action-${kind}`}-${a.id}`;
  const state = a.visit_state;
  const out: ReactNode[] = [];
  const variant = primary ? 'filled' : 'light';
  if (state === 'checked_in' || state === 'vitals_taken') {
    if (can('vitals.write') && only !== 'consult') {
      out.push(
        <Button key="vitals" component={Link} to={`/vitals/visit/${a.id}`} size={size} variant={state === 'checked_in' ? variant : 'light'} leftSection={<IconActivityHeartbeat size={16} />} data-testid={tid('vitals')}>
          {t('vitals.take')}
        </Button>,
      );
    }
    if (can('encounters.write') && only !== 'vitals') {
      out.push(
        <Button key="consult" component={Link} to={`/consultations/visit/${a.id}`} size={size} variant={variant} leftSection={<IconStethoscope size={16} />} data-testid={tid('consult')}>
          {t('consult.start')}
        </Button>,
      );
    }
  } else if (state === 'with_doctor') {
    if (can('encounters.write') && only !== 'vitals') {
      out.push(
        <Button key="continue" component={Link} to={`/consultations/visit/${a.id}`} size={size} variant="light" data-testid={tid('continue')}>
          {t('consult.continue')}
        </Button>,
      );
    }
  } else if (state === 'to_pharmacy' && !only) {
    if (can('pharmacy.write')) {
      out.push(
        <Button key="dispense" component={Link} to="/pharmacy/queue" size={size} variant="light" leftSection={<IconPill size={16} />} data-testid={tid('dispense')}>
          {t('visit.dispense')}
        </Button>,
      );
    }
  } else if (state === 'to_cashier' && !only) {
    if (can('billing.write')) {
      out.push(
        <Button key="pay" component={Link} to="/billing" size={size} variant="light" leftSection={<IconCash size={16} />} data-testid={tid('pay')}>
          {t('visit.takePayment')}
        </Button>,
      );
    }
  }
  return <>{out}</>;
}
