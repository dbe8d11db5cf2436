// TodayCards: the reception's day on the home page: how many patients wait now (the visits not
// done, by state, from the queues' own list, kept fresh) and the next appointments of the day.
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AppointmentStatusBadge } from '../shell/StatusBadge';
import { QUEUE_REFRESH_MS, useAppointments } from './queries';
import { useVisits } from './visits';
import { ACTIVE_STATES, waitingCounts } from './waiting';
import { minutesOf } from './schedule';
import { clinicToday, clinicWallClock } from '../i18n/format';

const NEXT_SHOWN = 6;

export function TodayCards() {
  const { t } = useTranslation();
  const visits = useVisits(0);
  const waiting = waitingCounts(visits.data?.items ?? []);
  const today = useAppointments({ date: clinicToday(), status: 'scheduled' }, { refetchInterval: QUEUE_REFRESH_MS * 4 });
  const nowMinutes = minutesOf(clinicWallClock().slice(11));
  // the slot that began less than 15 minutes ago is still "next"
  const next = (today.data ?? []).filter((a) => minutesOf(a.time) > nowMinutes - 15).sort((x, y) => x.time.localeCompare(y.time)).slice(0, NEXT_SHOWN);
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="home-today">
      <Card withBorder padding="lg">
        <Stack gap="xs">
          <Title order={4}>{t('home.queueTitle')}</Title>
          <Text size="xl" fw={700} data-testid="home-queue-size">
            {t('home.queueSize', { n: waiting.total })}
          </Text>
          {waiting.total > 0 && (
            <Group gap="xs" data-testid="home-queue-states">
              {ACTIVE_STATES.filter((s) => waiting.byState[s] > 0).map((s) => (
                <Badge key={s} variant="light" data-state={s}>
                  {t(`visit.state.${s}`)}: {waiting.byState[s]}
                </Badge>
              ))}
            </Group>
          )}
          <Group>
            <Button component={Link} to="/appointments/queue" variant="light">
              {t('home.openQueue')}
            </Button>
          </Group>
        </Stack>
      </Card>
      <Card withBorder padding="lg">
        <Stack gap="xs">
          <Title order={4}>{t('home.nextTitle')}</Title>
          {today.isSuccess && next.length === 0 && <Text c="dimmed">{t('home.noNext')}</Text>}
          {next.map((a) => (
            <Group key={a.id} justify="space-between" wrap="nowrap" data-appointment={a.id}>
              <Group gap="xs" wrap="nowrap">
                <Badge variant="outline">{a.time}</Badge>
                <Anchor component={Link} to={`/patients/${a.patient_id}`}>
                  {a.patient_name}
                </Anchor>
              </Group>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" c="dimmed">
                  {a.doctor_name}
                </Text>
                <AppointmentStatusBadge status={a.status} />
              </Group>
            </Group>
          ))}
          <Group>
            <Button component={Link} to="/appointments" variant="subtle">
              {t('home.openSchedule')}
            </Button>
          </Group>
        </Stack>
      </Card>
    </SimpleGrid>
  );
}
