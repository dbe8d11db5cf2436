// The consultations area (doctors): the doctor's queue (/consultations: today's checked-in
// patients assigned to them, in arrival order, and those in consultation), taking a patient
// (/consultations/visit/<appointment>), a consultation (/consultations/<encounter>) and its
// printable prescription (/consultations/<encounter>/prescription). A walk-in without an
// appointment starts from the patient search.
import { Alert, Button, Group, Modal, Stack, Text, Textarea, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDocumentTitle } from '@mantine/hooks';
import { IconUserPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useNavigate } from 'react-router';
import { api, unwrap } from '../api';
import { newIdempotencyKey } from '../api/idempotency';
import type { PatientMatch } from '../api/types';
import { NextAction } from '../appointments/visits';
import { CallNextButton } from '../display/CallNextButton';
import { useSession } from '../auth/session';
import { useServerErrors } from '../forms/useServerErrors';
import { PatientLine, PatientPicker } from '../patients/PatientPicker';
import { ConsultationPage } from './ConsultationPage';
import { PrescriptionPrint } from './PrescriptionPrint';
import { afterEncounter, clinicalProblem, useVisitQueue } from './queries';
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
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [q, setQ] = useState('');
  const [patient, setPatient] = useState<PatientMatch | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per attempt: a resubmission after a lost answer creates nothing twice.
  const [key, setKey] = useState(newIdempotencyKey);
  const form = useForm({ mode: 'controlled', initialValues: { notes: '' }, validate: { notes: (v) => (v.trim() ? null : t('validation.required')) } });
  const errors = useServerErrors(form);
  return (
    <Modal opened onClose={onClose} title={t('consult.walkIn')} size="lg">
      {!patient ? (
        <PatientPicker value={q} onChange={setQ} onPick={setPatient} autoFocus label={t('appointments.patient')} testId="walk-in-consultation-patient" />
      ) : (
        <form
          noValidate
          data-testid="walk-in-consultation-form"
          onSubmit={form.onSubmit(async (v) => {
            setBusy(true);
            errors.clear();
            try {
              const e = await unwrap(api.client.POST('/api/v1/encounters', { body: { patient_id: patient.id, notes: v.notes }, headers: { 'Idempotency-Key': key } }));
              setKey(newIdempotencyKey());
              await afterEncounter(qc, e);
              navigate(`/consultations/${e.id}`);
            } catch (err) {
              const placed = errors.handle(err);
              if (Object.keys(placed).length === 0) errors.setMessage(clinicalProblem(err, t, i18n.language));
            } finally {
              setBusy(false);
            }
          })}
        >
          <Stack>
            <Group justify="space-between" wrap="nowrap">
              <div style={{ flex: 1 }}>
                <PatientLine patient={patient} />
              </div>
              <Button variant="subtle" size="compact-sm" onClick={() => setPatient(null)}>
                {t('appointments.changePatient')}
              </Button>
            </Group>
            <Textarea label={t('consult.firstNotes')} name="notes" required autosize minRows={3} data-autofocus {...form.getInputProps('notes')} />
            {errors.message && <Alert color="red">{errors.message}</Alert>}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={busy}>
                {t('consult.startWalkIn')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
