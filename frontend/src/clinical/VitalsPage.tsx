// The vitals area (nurses): today's visits by state (waiting, with the doctor, after the
// consultation; the nurse is offered vitals only for those waiting),
// picking one opens the visit's encounter (/vitals/visit/<appointment>, which leaves the visit
// waiting for the doctor) and its vitals form (/vitals/<encounter>).
import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconArrowLeft } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useParams } from 'react-router';
import type { Appointment } from '../api/types';
import { NextAction } from '../appointments/visits';
import { useSession } from '../auth/session';
import { EncounterVitals } from './ConsultationPage';
import { PatientBanner } from './PatientBanner';
import { clinicalProblem, useEncounter, useVisitQueue } from './queries';
import { OpenVisit, QueueSection, VisitQueueTable } from './VisitQueue';
import { PageFailed, PageLoader } from '../shell/PageState';

export function VitalsPage() {
  return (
    <Routes>
      <Route index element={<NurseQueue />} />
      <Route path="visit/:appointmentId" element={<OpenVisit to={(id) => `/vitals/${id}`} back="/vitals" />} />
      <Route path=":encounterId" element={<VitalsVisit />} />
    </Routes>
  );
}

function NurseQueue() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('areas.vitals')} · Chelal`);
  const { can } = useSession();
  const { waiting, inProgress, after, offset } = useVisitQueue(0);
  // the nurse's next step only: vitals while the patient waits for the doctor
  const action = (a: Appointment) => <NextAction a={a} can={can} only="vitals" size="md" ids={{ vitals: 'take-vitals' }} />;
  return (
    <Stack>
      <Title order={2}>{t('areas.vitals')}</Title>
      <Text c="dimmed">{t('vitals.pageHint')}</Text>
      <QueueSection title={t('consult.waiting')} query={waiting} empty={t('queue.empty')}>
        <VisitQueueTable rows={waiting.data ?? []} showDoctor testId="vitals-queue" action={action} offset={offset} />
      </QueueSection>
      <QueueSection title={t('consult.inProgress')} query={inProgress} empty={t('consult.noneInProgress')}>
        <VisitQueueTable rows={inProgress.data ?? []} showDoctor testId="vitals-in-progress" action={action} offset={offset} />
      </QueueSection>
      <QueueSection title={t('visit.after')} query={after} empty={t('visit.noneAfter')}>
        <VisitQueueTable rows={after.data ?? []} showDoctor testId="vitals-after" action={action} offset={offset} />
      </QueueSection>
    </Stack>
  );
}

function VitalsVisit() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().encounterId);
  const enc = useEncounter(Number.isInteger(id) ? id : 0);
  const e = enc.data;
  useDocumentTitle(`${t('areas.vitals')} · ${e?.patient_name ?? ''} · Chelal`);
  if (enc.isPending) return <PageLoader />;
  if (!e) return <PageFailed message={clinicalProblem(enc.error, t, i18n.language)} back="/vitals" backLabel={t('vitals.backToList')} />;
  return (
    <Stack data-testid="vitals-visit" data-encounter={e.id}>
      <Group className="no-print">
        <Button component={Link} to="/vitals" variant="subtle" leftSection={<IconArrowLeft size={16} />}>
          {t('vitals.backToList')}
        </Button>
      </Group>
      <PatientBanner encounter={e} />
      <Card withBorder>
        <EncounterVitals encounter={e} />
      </Card>
    </Stack>
  );
}
