// CorrectModal: the encounter's doctor discontinues a prescription and prescribes the corrected
// one in one act, also once the encounter is closed (POST /prescriptions/{id}/correct): the
// reason is recorded, an addendum on a closed encounter says what was corrected, the pharmacy
// stops the old one and gets the new one. The corrected prescription goes through the allergy
// check: its warnings are shown and prescribing anyway needs a reason, as for a new one.
import { Alert, Button, Group, List, Modal, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { toApiError } from '../api/client';
import { useServerErrors } from '../forms/useServerErrors';
import { allergyWarnings } from './allergy';
import { encounterKey, prescriptionsKey, type Encounter, type Prescription } from './queries';

export function CorrectModal({ encounter: e, prescription: p, onClose }: { encounter: Encounter; prescription: Prescription; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
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
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values, allergyReason?: string) {
    setBusy(true);
    errors.clear();
    try {
      const { data, error, response } = await api.client.POST('/api/v1/prescriptions/{id}/correct', {
        params: { path: { id: p.id } },
        body: {
          reason: v.reason.trim(),
          medication_name: v.medication_name.trim(),
          dosage: v.dosage.trim(),
          frequency: v.frequency.trim(),
          duration: v.duration.trim(),
          quantity: Number(v.quantity),
          instructions: v.instructions.trim(),
          ...(allergyReason !== undefined ? { confirm_allergy: true, allergy_override_reason: allergyReason } : {}),
        },
      });
      if (!response.ok) {
        const err = toApiError(response, error);
        const w = allergyWarnings(err, error);
        if (w) {
          setWarnings(w);
          return;
        }
        throw err;
      }
      await Promise.all([qc.invalidateQueries({ queryKey: prescriptionsKey(e.id) }), qc.invalidateQueries({ queryKey: encounterKey(e.id) })]);
      void qc.invalidateQueries({ queryKey: ['pharmacy'] });
      void qc.invalidateQueries({ queryKey: ['patients', e.patient_id, 'timeline'] });
      notifications.show({ color: 'teal', message: t('rx.correctedDone', { old: p.medication_name, name: data?.corrected.medication_name ?? v.medication_name }) });
      onClose();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  function confirmAllergy() {
    if (!override.trim()) {
      setOverrideError(t('rx.reasonRequired'));
      return;
    }
    setOverrideError(null);
    void submit(form.getValues(), override.trim());
  }

  return (
    <Modal opened onClose={onClose} title={t('rx.correctTitle', { name: p.medication_name })} size="lg">
      <form onSubmit={form.onSubmit((v) => void submit(v))} noValidate data-testid="correct-form">
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
          {errors.message && (
            <Alert color="red" role="alert">
              {errors.message}
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
