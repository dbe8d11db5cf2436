// ConsultationPage (/consultations/12): one encounter. The patient (allergies in red, always in
// view), the vitals of this visit and their entry, the doctor's notes and diagnosis (autosaved),
// the prescriptions, and closing for good. A closed encounter is read-only: its addenda (dated,
// signed notes) are listed and a new one can be added; the original text never changes.
import { Alert, Button, Card, Group, Modal, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconLock, IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useSession } from '../auth/session';
import { draftKey, loadDraft } from '../forms/drafts';
import { DraftNotice } from '../forms/DraftNotice';
import { DiagnosesPanel } from './DiagnosesPanel';
import { usePersistentForm } from '../forms/usePersistentForm';
import { FormButtons, FormError } from '../forms/FormFooter';
import { formatDateTime } from '../i18n/format';
import { notesDraftId, NotesEditor, useNotesAutosave, type NotesAutosave } from './NotesEditor';
import { PatientBanner } from './PatientBanner';
import { PrescriptionsPanel } from './PrescriptionsPanel';
import { LabOrderPanel } from '../lab/LabOrderPanel';
import { clinicalProblem, useAddAddendum, useCloseEncounter, useEncounter, useEncounterVitals, usePrescriptions, type Encounter } from './queries';
import { clinicUnits } from './vitals';
import { VitalsForm } from './VitalsForm';
import { VitalsTable } from './VitalsTable';
import { PageFailed, PageLoader } from '../shell/PageState';

export function ConsultationPage() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().encounterId);
  const enc = useEncounter(Number.isInteger(id) ? id : 0);
  const e = enc.data;
  useDocumentTitle(`${e ? e.patient_name : t('areas.consultations')} · Chelal`);
  if (enc.isPending) return <PageLoader />;
  if (!e) return <PageFailed message={clinicalProblem(enc.error, t, i18n.language)} back="/consultations" backLabel={t('consult.backToQueue')} />;
  return e.status === 'open' ? <OpenConsultation key={`open-${e.id}`} encounter={e} /> : <ClosedConsultation key={`closed-${e.id}`} encounter={e} />;
}

/** mayWrite: the server's rule, to show the forms only to who may use them. */
function useMayWrite(e: Encounter) {
  const { user } = useSession();
  return e.status === 'open' && (e.doctor_id === user.id || e.notes === '');
}

function OpenConsultation({ encounter: e }: { encounter: Encounter }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const mine = useMayWrite(e);
  const writes = mine && can('encounters.write');
  const autosave = useNotesAutosave(e, writes);
  const [closing, setClosing] = useState(false);
  return (
    <Stack data-testid="consultation" data-encounter={e.id} data-status={e.status}>
      <PatientBanner
        encounter={e}
        actions={
          writes && (
            <Button size="md" color="red" variant="light" leftSection={<IconLock size={18} />} onClick={() => setClosing(true)} data-testid="close-encounter">
              {t('consult.close')}
            </Button>
          )
        }
      />
      {!writes && (
        <Alert color="blue" data-testid="read-only">
          {t('consult.notYours', { name: e.doctor_name })}
        </Alert>
      )}
      <Card withBorder>
        <EncounterVitals encounter={e} />
      </Card>
      <Card withBorder>{writes ? <NotesEditor autosave={autosave} /> : <ReadOnlyTexts encounter={e} />}</Card>
      <Card withBorder>
        <DiagnosesPanel encounter={e} />
      </Card>
      <Card withBorder>
        <PrescriptionsPanel encounter={e} canPrescribe={mine && can('prescriptions.write')} />
      </Card>
      <Card withBorder>
        <LabOrderPanel encounterId={e.id} open={e.status === 'open'} />
      </Card>
      {closing && <CloseDialog encounter={e} autosave={autosave} onClose={() => setClosing(false)} />}
    </Stack>
  );
}

/** EncounterVitals: this visit's readings, and the entry form while the encounter is open. */
export function EncounterVitals({ encounter: e }: { encounter: Encounter }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const vitals = useEncounterVitals(e.id);
  const units = clinicUnits(vitals.data?.units);
  const items = vitals.data?.items ?? [];
  // the form is open from the start for a visit without vitals, and stays open after a save (its result)
  const [adding, setAdding] = useState<boolean | null>(null);
  useEffect(() => {
    if (adding === null && vitals.isSuccess) setAdding(vitals.data.items.length === 0);
  }, [vitals.isSuccess]);
  const canWrite = e.status === 'open' && can('vitals.write');
  const showForm = canWrite && adding === true;
  return (
    <Stack data-testid="encounter-vitals">
      <Group justify="space-between">
        <Title order={4}>{t('areas.vitals')}</Title>
        {canWrite && !showForm && (
          <Button variant="light" leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-vitals">
            {t('vitals.add')}
          </Button>
        )}
      </Group>
      {vitals.isError && <Alert color="red">{clinicalProblem(vitals.error, t, i18n.language)}</Alert>}
      {vitals.isSuccess && items.length === 0 && <Text c="dimmed">{t('vitals.none')}</Text>}
      {items.length > 0 && <VitalsTable items={items} units={units} newestFirst />}
      {showForm && vitals.isSuccess && <VitalsForm encounterId={e.id} patientId={e.patient_id} units={units} />}
    </Stack>
  );
}

function ReadOnlyTexts({ encounter: e }: { encounter: Encounter }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" data-testid="encounter-texts">
      <Title order={4}>{t('consult.notes')}</Title>
      <Text className="notes-text" data-testid="notes-text">
        {e.notes || '—'}
      </Text>
      <Title order={5}>{t('consult.diagnosis')}</Title>
      <Text className="notes-text" data-testid="diagnosis-text">
        {e.diagnosis || '—'}
      </Text>
    </Stack>
  );
}

function CloseDialog({ encounter: e, autosave, onClose }: { encounter: Encounter; autosave: NotesAutosave; onClose: () => void }) {
  const { t } = useTranslation();
  const prescriptions = usePrescriptions(e.id);
  const typed = autosave.form.values;
  const noNotes = typed.notes.trim() === '' && e.notes.trim() === '';
  const closing = useCloseEncounter(e.id, { onSuccess: () => autosave.discardDraft(), success: (out) => t('consult.closed', { name: out.patient_name }) });

  return (
    <Modal opened onClose={onClose} title={t('consult.closeTitle', { name: e.patient_name })} size="lg">
      <Stack data-testid="close-dialog">
        <Text>{t('consult.closeText')}</Text>
        <dl className="facts">
          <dt>{t('consult.diagnosis')}</dt>
          <dd>{typed.diagnosis.trim() || '—'}</dd>
          <dt>{t('rx.title')}</dt>
          <dd>{t('consult.prescriptionCount', { n: prescriptions.data?.length ?? 0 })}</dd>
        </dl>
        {noNotes && <Alert color="orange">{t('consult.notesFirst')}</Alert>}
        <FormError message={closing.message} />
        <Group justify="flex-end">
          <Button variant="default" size="md" onClick={onClose}>
            {t('common.back')}
          </Button>
          <Button color="red" size="md" loading={closing.busy} disabled={noNotes} onClick={() => void closing.submit(autosave.flush)} data-testid="confirm-close" data-autofocus>
            {t('consult.closeConfirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function ClosedConsultation({ encounter: e }: { encounter: Encounter }) {
  const { t, i18n } = useTranslation();
  const { user, can } = useSession();
  // text typed here that the server does not have (closed from elsewhere meanwhile)
  const [unsaved] = useState(() => {
    try {
      const d = loadDraft(window.sessionStorage, draftKey(user.id, notesDraftId(e.id)));
      const notes = typeof d?.notes === 'string' ? d.notes.trim() : '';
      return notes && notes !== e.notes.trim() ? notes : '';
    } catch {
      return '';
    }
  });
  return (
    <Stack data-testid="consultation" data-encounter={e.id} data-status={e.status}>
      <PatientBanner encounter={e} />
      <Alert color="gray" icon={<IconLock size={18} />} data-testid="closed-note">
        {t('consult.closedOn', { date: e.closed_at ? formatDateTime(e.closed_at, i18n.language) : '—', name: e.doctor_name })}
      </Alert>
      <Card withBorder>
        <ReadOnlyTexts encounter={e} />
      </Card>
      <Card withBorder>
        <DiagnosesPanel encounter={e} />
      </Card>
      <Card withBorder data-testid="addenda">
        <Title order={4} mb="xs">
          {t('consult.addenda')}
        </Title>
        {e.addenda.length === 0 && <Text c="dimmed">{t('consult.noAddenda')}</Text>}
        {e.addenda.length > 0 && (
          <Timeline bulletSize={12} lineWidth={2}>
            {e.addenda.map((a) => (
              <Timeline.Item key={a.id} title={`${a.author_name} · ${formatDateTime(a.created_at, i18n.language)}`} data-addendum={a.id}>
                <Text className="notes-text">{a.text}</Text>
              </Timeline.Item>
            ))}
          </Timeline>
        )}
        {can('encounters.write') && <AddendumForm encounter={e} unsaved={unsaved} />}
      </Card>
      <Card withBorder>
        <PrescriptionsPanel encounter={e} canPrescribe={false} />
      </Card>
      <Card withBorder>
        <EncounterVitals encounter={e} />
      </Card>
    </Stack>
  );
}

function AddendumForm({ encounter: e, unsaved }: { encounter: Encounter; unsaved: string }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const { form, restored, discardDraft } = usePersistentForm({
    id: `addendum-${e.id}`,
    owner: user.id,
    initialValues: { text: '' },
    validate: { text: (v: string) => (v.trim() ? null : t('validation.required')) },
  });
  const add = useAddAddendum(e.id, {
    form,
    onSuccess: () => {
      discardDraft();
      form.setValues({ text: '' });
      form.resetDirty({ text: '' });
    },
  });
  return (
    <form noValidate data-testid="addendum-form" onSubmit={form.onSubmit((v) => add.submit(v.text.trim()))}>
      <Stack mt="md" gap="xs">
        <DraftNotice restored={restored} onDiscard={() => form.setValues({ text: '' })} />
        {unsaved && !form.values.text && (
          <Alert color="orange" data-testid="unsaved-notes">
            <Text size="sm">{t('consult.unsavedText')}</Text>
            <Text size="sm" className="notes-text" fs="italic" my="xs">
              {unsaved}
            </Text>
            <Button size="compact-sm" variant="light" onClick={() => form.setValues({ text: unsaved })}>
              {t('consult.useAsAddendum')}
            </Button>
          </Alert>
        )}
        <Textarea label={t('consult.newAddendum')} description={t('consult.addendumHint')} name="text" size="md" autosize minRows={3} required {...form.getInputProps('text')} />
        <FormError message={add.message} />
        <FormButtons busy={add.busy} size="md" label={t('consult.addAddendum')} testId="addendum-submit" />
      </Stack>
    </form>
  );
}
