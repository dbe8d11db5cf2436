// PrescriptionsPanel: an encounter's prescriptions, and while it is open the doctor's form.
// The medication is picked from the pharmacy catalog when this server has one, or typed (free
// text, marked so). When it matches the patient's known allergies the server refuses it with
// the warnings; they are shown, and prescribing anyway needs a reason, which is recorded.
// A doctor discontinues a prescription with a reason, also once the encounter is closed: the
// pharmacy no longer dispenses it (a corrected one is a new prescription). Once the encounter is
// closed, its doctor corrects one in one act (CorrectModal): discontinued, and the corrected one
// prescribed on the same encounter, with an addendum.
import { Alert, Badge, Button, Group, List, Modal, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle, IconFileTypePdf, IconPill, IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../api';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { formatDateTime } from '../i18n/format';
import { usePersistentForm } from '../forms/usePersistentForm';
import { FormButtons, FormError } from '../forms/FormFooter';
import { ReasonModal } from '../forms/ReasonModal';
import { CorrectModal } from './CorrectModal';
import { clinicalProblem, useMedicationCatalog, usePrescriptions, type CatalogMedication, type Encounter, type PrescribeParams, type Prescription, useDiscontinue, usePrescribe, type PrescribeVars } from './queries';
import type { SaveOptions } from '../forms/useApiMutation';
import { TableHead } from '../shell/TableHead';

export function PrescriptionsPanel({ encounter: e, canPrescribe }: { encounter: Encounter; canPrescribe: boolean }) {
  const { t, i18n } = useTranslation();
  const { can, user } = useSession();
  const list = usePrescriptions(e.id);
  const items = list.data ?? [];
  const [stopping, setStopping] = useState<Prescription | null>(null);
  const [correcting, setCorrecting] = useState<Prescription | null>(null);
  const mayCorrect = e.status === 'closed' && e.doctor_id === user.id && can('prescriptions.write');
  return (
    <Stack data-testid="prescriptions">
      <Group justify="space-between">
        <Title order={4}>{t('rx.title')}</Title>
        {items.length > 0 && (
          <Group gap="xs" className="no-print">
            <Button component={Link} to={`/consultations/${e.id}/prescription`} variant="light" leftSection={<IconPrinter size={18} />} data-testid="print-prescription">
              {t('rx.print')}
            </Button>
            <Button component="a" href={`/api/v1/encounters/${e.id}/prescription.pdf`} download variant="default" leftSection={<IconFileTypePdf size={18} />} data-testid="prescription-pdf">
              {t('rx.pdf')}
            </Button>
          </Group>
        )}
      </Group>
      {list.isError && <Alert color="red">{clinicalProblem(list.error, t, i18n.language)}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('rx.none')}</Text>}
      {items.length > 0 && (
        <PrescriptionTable items={items} onDiscontinue={can('prescriptions.write') ? setStopping : undefined} onCorrect={mayCorrect ? setCorrecting : undefined} />
      )}
      {canPrescribe && <PrescribeForm encounter={e} />}
      {stopping && <DiscontinueModal encounter={e} prescription={stopping} onClose={() => setStopping(null)} />}
      {correcting && <CorrectModal encounter={e} prescription={correcting} onClose={() => setCorrecting(null)} />}
    </Stack>
  );
}

export function PrescriptionTable({
  items,
  onDiscontinue,
  onCorrect,
}: {
  items: readonly Prescription[];
  onDiscontinue?: (p: Prescription) => void;
  onCorrect?: (p: Prescription) => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped verticalSpacing="xs" data-testid="prescription-list">
        <TableHead
          columns={[t('rx.medication'), t('rx.dosage'), t('rx.frequency'), t('rx.duration'), t('rx.quantity'), t('rx.instructions')]}
          actions={!!onDiscontinue}
        />
        <Table.Tbody>
          {items.map((p) => (
            <Table.Tr key={p.id} data-prescription={p.id} data-free-text={p.is_free_text || undefined} data-status={p.status}>
              <Table.Td>
                <Text fw={600} td={p.status === 'discontinued' ? 'line-through' : undefined}>
                  {medicationLabel(p)}
                </Text>
                {p.is_free_text && (
                  <Badge size="xs" variant="outline" color="gray">
                    {t('rx.freeText')}
                  </Badge>
                )}
                {p.warnings.length > 0 && (
                  <Text size="xs" c="red.8" data-testid="allergy-override">
                    <IconAlertTriangle size={12} /> {t('rx.overridden', { reason: p.allergy_override_reason })}
                  </Text>
                )}
                {p.status === 'discontinued' && (
                  <Text size="xs" c="red.8" fw={600} data-testid="discontinued">
                    {t('rx.discontinued', { when: formatDateTime(p.discontinued_at ?? '', i18n.language), reason: p.discontinue_reason })}
                  </Text>
                )}
                {p.status === 'returned' && (
                  <Text size="xs" c="orange.8" fw={600} data-testid="returned">
                    {t('rx.returned', { reason: p.return_reason })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{p.dosage}</Table.Td>
              <Table.Td>{p.frequency}</Table.Td>
              <Table.Td>{p.duration || '—'}</Table.Td>
              <Table.Td>{p.quantity}</Table.Td>
              <Table.Td>{p.instructions || '—'}</Table.Td>
              {onDiscontinue && (
                <Table.Td>
                  {p.status !== 'discontinued' && (
                    <Button size="compact-sm" variant="subtle" color="red" onClick={() => onDiscontinue(p)} data-testid="discontinue">
                      {t('rx.discontinue')}
                    </Button>
                  )}
                  {p.status !== 'discontinued' && onCorrect && (
                    <Button size="compact-sm" variant="subtle" onClick={() => onCorrect(p)} data-testid="correct">
                      {t('rx.correct')}
                    </Button>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** medicationLabel: the name, with the catalog's strength and form when known. */
export function medicationLabel(p: Pick<Prescription, 'medication_name' | 'strength' | 'form'>): string {
  return [p.medication_name, p.strength, p.form].filter((s) => s && s.trim()).join(' ');
}

type RxValues = {
  medication_name: string;
  medication_id: number | null;
  dosage: string;
  frequency: string;
  duration: string;
  quantity: string;
  instructions: string;
};

const EMPTY_RX: RxValues = { medication_name: '', medication_id: null, dosage: '', frequency: '', duration: '', quantity: '', instructions: '' };

function PrescribeForm({ encounter: e }: { encounter: Encounter }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const [warnings, setWarnings] = useState<string[] | null>(null);
  const [reasonError, setReasonError] = useState<string | null>(null);
  const { form, restored, discardDraft } = usePersistentForm<RxValues>({
    id: `prescription-${e.id}`,
    owner: user.id,
    initialValues: EMPTY_RX,
    validate: {
      medication_name: (v) => (v.trim() ? null : t('validation.required')),
      dosage: (v) => (v.trim() ? null : t('validation.required')),
      frequency: (v) => (v.trim() ? null : t('validation.required')),
      quantity: (v) => (/^\s*\d+\s*$/.test(v) && Number(v) > 0 ? null : t('rx.quantityHint')),
    },
  });
  const [medQuery] = useDebouncedValue(form.values.medication_id ? '' : form.values.medication_name, 250);
  const catalog = useMedicationCatalog(medQuery);

  function body(v: RxValues): PrescribeParams {
    return {
      ...(v.medication_id ? { medication_id: v.medication_id } : { medication_name: v.medication_name.trim() }),
      dosage: v.dosage.trim(),
      frequency: v.frequency.trim(),
      duration: v.duration.trim(),
      quantity: Number(v.quantity),
      instructions: v.instructions.trim(),
    };
  }

  // Refused for an allergy: the warnings are shown (again), and prescribing anyway needs a reason.
  const sent: SaveOptions<PrescribeVars, { warnings: string[] | null; prescription: Prescription | null }> = {
    onSuccess: (answer) => {
      setWarnings(answer.warnings);
      if (answer.warnings) return;
      discardDraft();
      form.setValues(EMPTY_RX);
      form.resetDirty(EMPTY_RX);
    },
    success: (answer, v) => (answer.warnings ? null : t('rx.saved', { name: answer.prescription?.medication_name ?? v.body.medication_name ?? '' })),
  };
  const prescribe = usePrescribe(e, { ...sent, form });
  // the same, confirmed with a reason from the allergy dialog (its errors show there)
  const confirm = usePrescribe(e, {
    ...sent,
    onError: (err) => {
      if (!(err instanceof ApiError && err.fieldErrors.allergy_override_reason)) return false;
      setReasonError(err.fieldErrors.allergy_override_reason);
      return true;
    },
  });

  function pick(m: CatalogMedication) {
    form.setValues({ medication_name: m.name, medication_id: m.id });
  }

  const suggestions = form.values.medication_id ? [] : (catalog.data ?? []);
  return (
    <form onSubmit={form.onSubmit((v) => prescribe.submit({ body: body(v) }))} noValidate data-testid="prescribe-form">
      <Stack gap="sm">
        <Title order={5}>{t('rx.new')}</Title>
        <DraftNotice restored={restored} onDiscard={() => form.setValues(EMPTY_RX)} />
        <TextInput
          size="md"
          name="medication_name"
          label={t('rx.medication')}
          description={form.values.medication_id ? t('rx.fromCatalog') : t('rx.medicationHint')}
          required
          autoComplete="off"
          leftSection={<IconPill size={18} />}
          {...form.getInputProps('medication_name')}
          onChange={(ev) => form.setValues({ medication_name: ev.currentTarget.value, medication_id: null })}
        />
        {suggestions.length > 0 && (
          <Group gap="xs" data-testid="catalog-suggestions">
            {suggestions.map((m) => (
              <Button key={m.id} size="compact-sm" variant="light" onClick={() => pick(m)} data-medication={m.id}>
                {medicationLabel({ medication_name: m.name, strength: m.strength ?? '', form: m.form ?? '' })}
              </Button>
            ))}
          </Group>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput size="md" name="dosage" label={t('rx.dosage')} placeholder={t('rx.dosageExample')} required {...form.getInputProps('dosage')} />
          <TextInput size="md" name="frequency" label={t('rx.frequency')} placeholder={t('rx.frequencyExample')} required {...form.getInputProps('frequency')} />
          <TextInput size="md" name="duration" label={t('rx.duration')} placeholder={t('rx.durationExample')} {...form.getInputProps('duration')} />
          <TextInput size="md" name="quantity" label={t('rx.quantity')} inputMode="numeric" required {...form.getInputProps('quantity')} />
        </SimpleGrid>
        <Textarea size="md" name="instructions" label={t('rx.instructions')} autosize minRows={1} {...form.getInputProps('instructions')} />
        <FormError message={prescribe.message} />
        <FormButtons busy={prescribe.busy} size="md" label={t('rx.prescribe')} testId="prescribe-submit" />
      </Stack>
      {warnings && (
        <AllergyConfirm
          warnings={warnings}
          medication={form.values.medication_name}
          allergies={e.known_allergies}
          onCancel={() => setWarnings(null)}
          busy={confirm.busy}
          message={confirm.message}
          serverError={reasonError}
          onConfirm={(reason) => {
            setReasonError(null);
            void confirm.submit({ body: body(form.getValues()), reason });
          }}
        />
      )}
    </form>
  );
}

function AllergyConfirm({
  warnings,
  medication,
  allergies,
  busy,
  message,
  serverError,
  onCancel,
  onConfirm,
}: {
  warnings: string[];
  medication: string;
  allergies: string;
  busy: boolean;
  /** The last attempt's failure, and its error on the reason. */
  message: string | null;
  serverError: string | null;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  function confirm() {
    if (!reason.trim()) {
      setError(t('rx.reasonRequired'));
      return;
    }
    setError(null);
    onConfirm(reason.trim());
  }
  return (
    <Modal opened onClose={onCancel} title={t('rx.allergyTitle', { name: medication })} size="lg" data-testid="allergy-dialog">
      <Stack data-testid="allergy-warning">
        <Alert color="red" variant="filled" icon={<IconAlertTriangle size={22} />} title={t('rx.allergyIntro', { allergies })}>
          <List spacing={4} data-testid="allergy-warnings">
            {warnings.map((w) => (
              <List.Item key={w}>{w}</List.Item>
            ))}
          </List>
        </Alert>
        <Textarea
          label={t('rx.reason')}
          description={t('rx.reasonHint')}
          name="allergy_override_reason"
          required
          autosize
          minRows={2}
          data-autofocus
          value={reason}
          error={error ?? serverError}
          onChange={(ev) => setReason(ev.currentTarget.value)}
        />
        <FormError message={message} />
        <Group justify="flex-end">
          <Button variant="default" size="md" onClick={onCancel} data-testid="allergy-cancel">
            {t('rx.dontPrescribe')}
          </Button>
          <Button color="red" size="md" loading={busy} onClick={confirm} data-testid="allergy-confirm">
            {t('rx.prescribeAnyway')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** DiscontinueModal stops a prescription with a reason (also after the encounter is closed). */
function DiscontinueModal({ encounter: e, prescription: p, onClose }: { encounter: Encounter; prescription: Prescription; onClose: () => void }) {
  const { t } = useTranslation();
  const useSave = (options: SaveOptions<string, unknown>) => useDiscontinue(e, p, { ...options, success: t('rx.discontinuedDone', { name: p.medication_name }) });
  return (
    <ReasonModal
      title={t('rx.discontinueTitle', { name: medicationLabel(p) })}
      label={t('rx.discontinueReason')}
      description={t('rx.discontinueHint')}
      submitLabel={t('rx.discontinueConfirm')}
      submitColor="red"
      testId="discontinue"
      draftId={`discontinue-${p.id}`}
      useSave={useSave}
      onClose={onClose}
    />
  );
}
