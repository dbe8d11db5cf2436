// CorrectModal: the encounter's doctor discontinues a prescription and prescribes the corrected
// one in one act, also once the encounter is closed (POST /prescriptions/{id}/correct): the
// reason is recorded, an addendum on a closed encounter says what was corrected, the pharmacy
// stops the old one and gets the new one. The corrected prescription goes through the allergy
// check: its warnings are shown and prescribing anyway needs a reason, as for a new one.
import { Alert, Button, Group, List, Modal, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCorrectPrescription, type Encounter, type Prescription } from './queries';

export function CorrectModal({ encounter: e, prescription: p, onClose }: { encounter: Encounter; prescription: Prescription; onClose: () => void }) {
  const { t } = useTranslation();
  const [warnings, setWarnings] = useState<string[] | null>(null);
  const [override, setOverride] = useState('');
  const [overrideError, setOverrideError] = useState<string | null>(null);
  const form = useForm({
    mode: 'controlled',
    initialValues: {
      reason: '',
      medication_name: p.medication_name,
      dosage: p.dosage,
      frequency: p.frequency,
      duration: p.duration ?? '',
      quantity: String(p.quantity),
      instructions: p.instructions ?? '',
    },
    validate: {
      reason: (v) => (v.trim() ? null : t('validation.required')),
      medication_name: (v) => (v.trim() ? null : t('validation.required')),
      dosage: (v) => (v.trim() ? null : t('validation.required')),
      frequency: (v) => (v.trim() ? null : t('validation.required')),
      quantity: (v) => (/^\s*\d+\s*$/.test(v) && Number(v) > 0 ? null : t('rx.quantityHint')),
    },
  });
  const correct = useCorrectPrescription(e, p, {
    form,
    onSuccess: (answer) => {
      if (answer.warnings) setWarnings(answer.warnings);
    },
    success: (answer, v) => (answer.warnings ? null : t('rx.correctedDone', { old: p.medication_name, name: answer.correction?.corrected.medication_name ?? v.body.medication_name })),
    close: (answer) => {
      if (!answer.warnings) onClose();
    },
  });
  const busy = correct.busy;

  function submit(v: typeof form.values, allergyReason?: string) {
    void correct.submit({
      body: {
        reason: v.reason.trim(),
        medication_name: v.medication_name.trim(),
        dosage: v.dosage.trim(),
        frequency: v.frequency.trim(),
        duration: v.duration.trim(),
        quantity: Number(v.quantity),
        instructions: v.instructions.trim(),
      },
      reason: allergyReason,
    });
  }

  function confirmAllergy() {
    if (!override.trim()) {
      setOverrideError(t('rx.reasonRequired'));
      return;
    }
    setOverrideError(null);
    submit(form.getValues(), override.trim());
  }

  return (
    <Modal opened onClose={onClose} title={t('rx.correctTitle', { name: p.medication_name })} size="lg">
      <form onSubmit={form.onSubmit((v) => submit(v))} noValidate data-testid="correct-form">
        <Stack gap="sm">
          <Textarea label={t('rx.correctReason')} description={t('rx.correctHint')} name="reason" required autosize minRows={2} data-autofocus {...form.getInputProps('reason')} />
          <TextInput name="medication_name" label={t('rx.medication')} required autoComplete="off" {...form.getInputProps('medication_name')} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput name="dosage" label={t('rx.dosage')} required {...form.getInputProps('dosage')} />
            <TextInput name="frequency" label={t('rx.frequency')} required {...form.getInputProps('frequency')} />
            <TextInput name="duration" label={t('rx.duration')} {...form.getInputProps('duration')} />
            <TextInput name="quantity" label={t('rx.quantity')} inputMode="numeric" required {...form.getInputProps('quantity')} />
          </SimpleGrid>
          <Textarea name="instructions" label={t('rx.instructions')} autosize minRows={1} {...form.getInputProps('instructions')} />
          {warnings && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle size={22} />} title={t('rx.allergyIntro', { allergies: e.known_allergies })} data-testid="correct-allergy">
              <Stack gap="xs">
                <List spacing={4}>
                  {warnings.map((w) => (
                    <List.Item key={w}>{w}</List.Item>
                  ))}
                </List>
                <Textarea label={t('rx.reason')} description={t('rx.reasonHint')} name="allergy_override_reason" required autosize minRows={2} value={override} error={overrideError} onChange={(ev) => setOverride(ev.currentTarget.value)} />
                <Group justify="flex-end">
                  <Button color="red" loading={busy} onClick={confirmAllergy} data-testid="correct-allergy-confirm">
                    {t('rx.prescribeAnyway')}
                  </Button>
                </Group>
              </Stack>
            </Alert>
          )}
          {correct.message && (
            <Alert color="red" role="alert">
              {correct.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" color="red" loading={busy} data-testid="correct-submit">
              {t('rx.correctConfirm')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
