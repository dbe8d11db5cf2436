// The visits waiting for the doctor or the nurse (today's checked-in appointments, in arrival
// order, then those in consultation, then those after it), each with its state and how long it
// has been in it, and the step that opens a visit's encounter from one.
import { Alert, Button, Center, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useParams } from 'react-router';
import type { Appointment } from '../api/types';
import { invalidateSchedule } from '../appointments/queries';
import { useServerNow, VisitStateCell } from '../appointments/visits';
import { formatTime } from '../i18n/format';
import { clinicalProblem, encounterKey, openVisit } from './queries';
import { TableHead } from '../shell/TableHead';
import { PatientNameLines } from '../patients/PatientNameLines';
import { VideoActions } from '../telemed/VideoActions';

export function VisitQueueTable({
  rows,
  action,
  showDoctor,
  testId,
  offset,
}: {
  rows: readonly Appointment[];
  action: (a: Appointment, index: number) => ReactNode;
  showDoctor: boolean;
  testId: string;
  /** the server's clock minus this computer's (useVisitQueue) */
  offset: number;
}) {
  const { t, i18n } = useTranslation();
  const now = useServerNow(offset);
  return (
    <Table striped verticalSpacing="sm" data-testid={testId}>
      <TableHead
        columns={['#', t('queue.arrived'), t('appointments.patient'), showDoctor && t('appointments.doctor'), t('consult.visitStatus')]}
        actions
      />
      <Table.Tbody>
        {rows.map((a, i) => {
          return (
            <Table.Tr key={a.id} data-appointment={a.id} data-unique-id={a.patient_unique_id} data-status={a.status} data-state={a.visit_state}>
              <Table.Td>{i + 1}</Table.Td>
              <Table.Td>{a.checked_in_at ? formatTime(a.checked_in_at, i18n.language) : a.time}</Table.Td>
              <Table.Td>
                <PatientNameLines id={a.patient_id} name={a.patient_name} uniqueId={a.patient_unique_id} extra={a.reason ? ` · ${a.reason}` : ''} />
              </Table.Td>
              {showDoctor && <Table.Td>{a.doctor_name}</Table.Td>}
              <Table.Td>
                <VisitStateCell a={a} serverNow={now} />
              </Table.Td>
              <Table.Td ta="right">
                <VideoActions appointment={a} />
                {action(a, i)}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

/** QueueSection: a titled list, its loading, error and empty states. */
export function QueueSection({ title, query, empty, children }: { title: string; query: { isError: boolean; error: unknown; isSuccess: boolean; data?: readonly unknown[] }; empty: string; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  return (
    <Stack gap="xs">
      <Title order={4}>{title}</Title>
      {query.isError && <Alert color="red">{clinicalProblem(query.error, t, i18n.language)}</Alert>}
      {query.isSuccess && (query.data?.length ?? 0) === 0 ? <Text c="dimmed">{empty}</Text> : children}
    </Stack>
  );
}

/**
 * OpenVisit (…/visit/12): opens the encounter of appointment 12 (a doctor's opening puts the
 * visit in progress) and goes on to `to(encounterId)`; a refusal (not checked in) is said.
 */
export function OpenVisit({ to, back }: { to: (encounterId: number) => string; back: string }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const appointmentId = Number(useParams().appointmentId);
  const [target, setTarget] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current || !(appointmentId > 0)) return;
    started.current = true;
    openVisit(appointmentId)
      .then(async (e) => {
        qc.setQueryData(encounterKey(e.id), e);
        await invalidateSchedule(qc);
        setTarget(to(e.id));
      })
      .catch(setError);
  }, [appointmentId]);
  if (target) return <Navigate to={target} replace />;
  if (error || !(appointmentId > 0)) {
    return (
      <Stack>
        <Alert color="red" data-testid="open-visit-error">
          {clinicalProblem(error, t, i18n.language)}
        </Alert>
        <Button component={Link} to={back} variant="default" w="fit-content">
          {t('common.back')}
        </Button>
      </Stack>
    );
  }
  return (
    <Center p="xl">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}
