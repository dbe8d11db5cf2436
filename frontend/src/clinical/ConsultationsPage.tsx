// The consultations area (doctors): the doctor's queue (/consultations: today's checked-in
// patients assigned to them, in arrival order, and those in consultation), taking a patient
// (/consultations/visit/<appointment>), a consultation (/consultations/<encounter>) and its
// printable prescription (/consultations/<encounter>/prescription). A walk-in without an
// appointment starts from the patient search.
import { Button, Group, Modal, Stack, Text, Textarea, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconUserPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useNavigate } from 'react-router';
import type { PatientMatch } from '../api/types';
import { NextAction } from '../appointments/visits';
import { CallNextButton } from '../display/CallNextButton';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { ChosenPatient, PatientPicker } from '../patients/PatientPicker';
import { ConsultationPage } from './ConsultationPage';
import { PrescriptionPrint } from './PrescriptionPrint';
import { useStartWalkIn, useVisitQueue } from './queries';
import { OpenVisit, QueueSection, VisitQueueTable } from './VisitQueue';

export function ConsultationsPage() {
  return (
    <Routes>
      <Route index element={<DoctorQueue />} />
      <Route path="visit/:appointmentId" element={<OpenVisit to={(id) => `/consultations/${id}`} back="/consultations" />} />
      <Route path=":encounterId/prescription" element={<PrescriptionPrint />} />
      <Route path=":encounterId" element={<ConsultationPage />} />
    </Routes>
  );
}

function DoctorQueue() {
  const { t } = useTranslation();
  const { user } = useSession();
  useDocumentTitle(`${t('areas.consultations')} · Chelal`);
  // a doctor sees the patients booked with them; an administrator (no queue of their own) everyone's
  const doctorId = user.role === 'doctor' ? user.id : 0;
  const { can } = useSession();
  const { waiting, inProgress, after, offset } = useVisitQueue(doctorId);
  const [walkIn, setWalkIn] = useState(false);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('consult.queueTitle')}</Title>
        <Group align="flex-end">
          {can('encounters.write') && <CallNextButton />}
          <Button variant="default" leftSection={<IconUserPlus size={18} />} onClick={() => setWalkIn(true)} data-testid="walk-in-consultation">
            {t('consult.walkIn')}
          </Button>
        </Group>
      </Group>
      <Text c="dimmed" data-testid="doctor-queue-size">
        {t('queue.waiting', { n: waiting.data?.length ?? 0 })}
      </Text>
      <QueueSection title={t('consult.waiting')} query={waiting} empty={t('queue.empty')}>
        <VisitQueueTable
          rows={waiting.data ?? []}
          showDoctor={doctorId === 0}
          testId="doctor-queue"
          offset={offset}
          action={(a, i) => <NextAction a={a} can={can} only="consult" size="md" primary={i === 0} ids={{ consult: 'start' }} />}
        />
      </QueueSection>
      <QueueSection title={t('consult.inProgress')} query={inProgress} empty={t('consult.noneInProgress')}>
        <VisitQueueTable
          rows={inProgress.data ?? []}
          showDoctor={doctorId === 0}
          testId="doctor-in-progress"
          offset={offset}
          action={(a) => <NextAction a={a} can={can} only="consult" size="sm" ids={{ continue: 'continue' }} />}
        />
      </QueueSection>
      <QueueSection title={t('visit.after')} query={after} empty={t('visit.noneAfter')}>
        <VisitQueueTable rows={after.data ?? []} showDoctor={doctorId === 0} testId="doctor-after" offset={offset} action={() => null} />
      </QueueSection>
      {walkIn && <WalkInConsultation onClose={() => setWalkIn(false)} />}
    </Stack>
  );
}

/** WalkInConsultation: a consultation without an appointment: the patient, then the first notes. */
function WalkInConsultation({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [patient, setPatient] = useState<PatientMatch | null>(null);
  const { user } = useSession();
  const { form, restored, discardDraft } = usePersistentForm({
    id: 'walk-in-consultation',
    owner: user.id,
    initialValues: { notes: '' },
    validate: { notes: (v) => (v.trim() ? null : t('validation.required')) },
  });
  // One key per attempt: a resubmission after a lost answer creates nothing twice.
  const start = useStartWalkIn({ form, onSuccess: discardDraft, close: (e) => navigate(`/consultations/${e.id}`) });
  return (
    <Modal opened onClose={onClose} title={t('consult.walkIn')} size="lg">
      {!patient ? (
        <PatientPicker value={q} onChange={setQ} onPick={setPatient} autoFocus label={t('appointments.patient')} testId="walk-in-consultation-patient" />
      ) : (
        <form noValidate data-testid="walk-in-consultation-form" onSubmit={form.onSubmit((v) => start.submit({ patient_id: patient.id, notes: v.notes }))}>
          <Stack>
            <ChosenPatient patient={patient} onChange={() => setPatient(null)} />
            <DraftNotice
              restored={restored}
              onDiscard={() => {
                discardDraft();
                form.setValues({ notes: '' });
              }}
            />
            <Textarea label={t('consult.firstNotes')} name="notes" required autosize minRows={3} data-autofocus {...form.getInputProps('notes')} />
            <FormError message={start.message} />
            <FormButtons busy={start.busy} onCancel={onClose} label={t('consult.startWalkIn')} />
          </Stack>
        </form>
      )}
    </Modal>
  );
}
