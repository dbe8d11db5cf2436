// PatientChart (/patients/12): the patient's demographics with the allergies in red, the next
// appointments, and the timeline (newest first). Edit (/patients/12/edit), book (/patients/12/book,
// or the `b` key) and the printable card (/patients/12/card) are routes of their own.
import { Alert, Anchor, Badge, Button, Card, Group, Kbd, SimpleGrid, Stack, Text, Timeline, Title } from '@mantine/core';
import { useDocumentTitle, useWindowEvent } from '@mantine/hooks';
import { IconAlertTriangle, IconArrowLeft, IconCalendarPlus, IconId, IconPencil } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useLocation, useNavigate, useParams } from 'react-router';
import type { Patient, TimelineEntry } from '../api/types';
import { AppointmentActions } from '../appointments/AppointmentActions';
import { AppointmentStatusBadge } from '../shell/StatusBadge';
import { BookModal } from '../appointments/BookModal';
import { useAppointments } from '../appointments/queries';
import { addDays } from '../appointments/schedule';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDate, formatDateTime, formatLongDay, clinicToday } from '../i18n/format';
import { editable } from '../shell/HeaderSearch';
import { ageText, bornText } from './fields';
import { PatientCard } from './PatientCard';
import { PatientEditModal } from './PatientEditModal';
import { genderKey } from './PatientPicker';
import { usePatient, useTimeline } from './queries';
import { VitalsTrends } from './VitalsTrends';
import { LabChartCard } from '../lab/LabChartCard';
import { PatientDiagnoses } from '../clinical/PatientDiagnoses';
import { PageFailed, PageLoader, QueryError } from '../shell/PageState';

export function PatientChart() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().id);
  const patient = usePatient(Number.isInteger(id) ? id : 0);
  const p = patient.data;
  useDocumentTitle(`${p ? `${p.first_name} ${p.last_name}` : t('areas.patients')} · Chelal`);

  if (patient.isPending) return <PageLoader />;
  if (!p) return <PageFailed message={problemMessage(patient.error, t, i18n.language)} back="/patients" backLabel={t('patients.backToSearch')} />;
  return (
    <Routes>
      <Route path="card" element={<CardPage patient={p} />} />
      <Route path="*" element={<Chart patient={p} />} />
    </Routes>
  );
}

function CardPage({ patient: p }: { patient: Patient }) {
  const { t } = useTranslation();
  return (
    <Stack>
      <Group className="no-print">
        <Button component={Link} to={`/patients/${p.id}`} variant="subtle" leftSection={<IconArrowLeft size={16} />}>
          {p.first_name} {p.last_name}
        </Button>
      </Group>
      <Title order={2} className="no-print">
        {t('patients.card')}
      </Title>
      <PatientCard patient={p} />
    </Stack>
  );
}

function Chart({ patient: p }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const today = clinicToday();
  const canBook = can('appointments.write');
  const atChart = /^\/patients\/\d+\/?$/.test(location.pathname);

  useWindowEvent('keydown', (e) => {
    if (e.key === 'b' && canBook && atChart && !e.ctrlKey && !e.metaKey && !e.altKey && !editable(e.target) && !document.querySelector('[role=dialog]')) {
      e.preventDefault();
      navigate(`/patients/${p.id}/book`);
    }
  });

  return (
    <Stack data-testid="patient-chart" data-unique-id={p.unique_id}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>
            {p.first_name} {p.last_name}
          </Title>
          <Group gap="xs">
            <Badge size="lg" variant="outline" ff="monospace" data-testid="record-number">
              {p.unique_id}
            </Badge>
            <Text c="dimmed">
              {bornText(t, p, formatDate(p.date_of_birth, i18n.language))} · <span data-testid="patient-age">{ageText(t, p, today)}</span> · {t(`gender.${genderKey(p.gender)}`)}
            </Text>
          </Group>
        </div>
        <Group className="no-print">
          {canBook && (
            <Button component={Link} to="book" leftSection={<IconCalendarPlus size={18} />} rightSection={<Kbd size="xs">b</Kbd>} data-testid="book-from-chart">
              {t('appointments.book')}
            </Button>
          )}
          {can('patients.write') && (
            <Button component={Link} to="edit" variant="default" leftSection={<IconPencil size={18} />} data-testid="edit-patient">
              {t('common.edit')}
            </Button>
          )}
          <Button component={Link} to="card" variant="default" leftSection={<IconId size={18} />} data-testid="patient-card-link">
            {t('patients.card')}
          </Button>
        </Group>
      </Group>

      {p.known_allergies ? (
        <Alert color="red" variant="filled" icon={<IconAlertTriangle size={20} />} title={t('patients.allergies')} data-testid="allergies">
          <Text style={{ whiteSpace: 'pre-wrap' }}>{p.known_allergies}</Text>
        </Alert>
      ) : (
        <Text size="sm" c="dimmed" data-testid="no-allergies">
          {t('patients.noAllergies')}
        </Text>
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="xs">
            {t('patients.details')}
          </Title>
          <dl className="facts">
            <dt>{t('fields.contact_info')}</dt>
            <dd>{p.contact_info || '—'}</dd>
            <dt>{t('fields.address')}</dt>
            <dd>{p.address || '—'}</dd>
            <dt>{t('patients.registeredOn')}</dt>
            <dd>{formatDate(p.created_at, i18n.language)}</dd>
            <dt>{t('patients.updatedOn')}</dt>
            <dd>{formatDateTime(p.updated_at, i18n.language)}</dd>
          </dl>
        </Card>
        {can('appointments.read') && <NextAppointments patient={p} />}
      </SimpleGrid>

      {can('vitals.read') && <VitalsTrends patientId={p.id} />}
      {can('lab.read') && <LabChartCard patientId={p.id} canAcknowledge={can('lab.order')} />}

      {can('encounters.read') && <PatientDiagnoses patientId={p.id} />}

      <PatientTimeline id={p.id} />

      <Routes>
        {can('patients.write') && <Route path="edit" element={<PatientEditModal patient={p} />} />}
        {canBook && <Route path="book" element={<BookModal patient={p} onClose={() => navigate(`/patients/${p.id}`)} />} />}
      </Routes>
    </Stack>
  );
}

function NextAppointments({ patient: p }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const today = clinicToday();
  const list = useAppointments({ patient_id: p.id, from: today, to: addDays(today, 30) });
  const items = (list.data ?? []).filter((a) => a.status !== 'cancelled');
  return (
    <Card withBorder data-testid="patient-appointments">
      <Title order={4} mb="xs">
        {t('patients.nextAppointments')}
      </Title>
      <QueryError query={list} />
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('patients.noAppointments')}</Text>}
      <Stack gap="xs">
        {items.map((a) => (
          <Group key={a.id} justify="space-between" wrap="nowrap" data-appointment={a.id}>
            <div style={{ minWidth: 0 }}>
              <Text fw={500}>
                {formatLongDay(a.date, i18n.language)} · {a.time}
              </Text>
              <Text size="sm" c="dimmed">
                {a.doctor_name}
                {a.reason ? ` · ${a.reason}` : ''}
              </Text>
            </div>
            <Group gap="xs" wrap="nowrap" style={{ flexShrink: 0 }}>
              <AppointmentStatusBadge status={a.status} />
              <AppointmentActions appointment={a} />
            </Group>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

function PatientTimeline({ id }: { id: number }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const canOpenEncounter = can('encounters.write');
  const timeline = useTimeline(id);
  return (
    <Card withBorder data-testid="timeline">
      <Title order={4} mb="sm">
        {t('patients.timeline')}
      </Title>
      <QueryError query={timeline} />
      {timeline.isSuccess && timeline.data.length === 0 && <Text c="dimmed">{t('patients.timelineEmpty')}</Text>}
      {timeline.isSuccess && timeline.data.length > 0 && (
        <Timeline bulletSize={14} lineWidth={2}>
          {timeline.data.map((e) => (
            <Timeline.Item key={`${e.kind}-${e.id}`} title={entryTitle(e, t)} data-kind={e.kind} data-id={e.id}>
              <Text size="sm" c="dimmed">
                {formatDateTime(e.at, i18n.language)}
                {e.kind === 'encounter' && canOpenEncounter && (
                  <>
                    {' · '}
                    <Anchor component={Link} to={`/consultations/${e.id}`} size="sm" data-testid={`open-encounter-${e.id}`}>
                      {t('consult.open')}
                    </Anchor>
                  </>
                )}
              </Text>
              {/* a consultation's notes can be long: their beginning, the consultation has the rest */}
              {e.details && (
                <Text size="sm" lineClamp={e.kind === 'encounter' ? 3 : undefined} style={{ whiteSpace: 'pre-wrap' }}>
                  {e.details}
                </Text>
              )}
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Card>
  );
}

/** entryTitle: the kind, and what the entry is (a consultation without a diagnosis says so). */
function entryTitle(e: TimelineEntry, t: TFunction): string {
  const what = e.kind === 'appointment' ? statusText(e.title, t) : e.kind === 'encounter' && !e.title.trim() ? t('consult.noDiagnosis') : e.title;
  return `${kindLabel(e.kind, t)} · ${what}`;
}

const KINDS = ['appointment', 'encounter', 'vitals', 'prescription', 'bill', 'lab'] as const;
function kindLabel(kind: string, t: TFunction): string {
  return (KINDS as readonly string[]).includes(kind) ? t(`timelineKinds.${kind as (typeof KINDS)[number]}`) : kind;
}
function statusText(details: string, t: TFunction): string {
  const status = ['scheduled', 'checked_in', 'in_progress', 'completed', 'cancelled', 'no_show'] as const;
  return (status as readonly string[]).includes(details) ? t(`appointmentStatus.${details as (typeof status)[number]}`) : details;
}
