// VitalsForm: a reading typed in the clinic's units (labelled so), kept as a draft while typed.
// Missing or non-numeric values are said beside their fields before sending; the limits are
// the server's: a value no living person has comes back as a field error, shown beside it. A
// nurse records what she measured (a weight alone, a temperature alone): no field is required,
// but one at least. A saved reading shows its flags (values outside the normal range for the
// patient's age) at once.
import { Alert, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconDeviceFloppy } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { usePersistentForm } from '../forms/usePersistentForm';
import { FormButtons, FormError } from '../forms/FormFooter';
import { useSaveVitals } from './queries';
import {
  checkVitals,
  EMPTY_VITALS,
  TEMPERATURE_SYMBOL,
  unitLimits,
  vitalsBody,
  VITALS_FIELDS,
  type ClinicUnits,
  type VitalsField,
  type VitalsFormValues,
  type VitalsRecord,
} from './vitals';
import { FlagList } from './VitalsTable';

export function VitalsForm({ encounterId, patientId, units, onSaved }: { encounterId: number; patientId: number; units: ClinicUnits; onSaved?: (r: VitalsRecord) => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const [saved, setSaved] = useState<VitalsRecord | null>(null);
  const { form, restored, discardDraft } = usePersistentForm<VitalsFormValues>({
    id: `vitals-${encounterId}`,
    owner: user.id,
    initialValues: EMPTY_VITALS,
    validate: (values) => {
      const problems = checkVitals(values);
      return Object.fromEntries(
        Object.entries(problems).map(([f, p]) => [
          f,
          p === 'none' ? t('vitals.atLeastOne') : p === 'pair' ? t('vitals.bothPressures') : p === 'integer' ? t('vitals.wholeNumber') : t('vitals.notANumber'),
        ]),
      );
    },
  });

  const unitOf: Record<VitalsField, string> = {
    systolic_bp: 'mmHg',
    diastolic_bp: 'mmHg',
    heart_rate: '/min',
    respiratory_rate: '/min',
    temperature: TEMPERATURE_SYMBOL[units.temperature],
    oxygen_saturation: '%',
    height: 'cm',
    weight: units.weight,
  };

  const save = useSaveVitals(encounterId, patientId, {
    form,
    onSuccess: (r) => {
      discardDraft();
      form.setValues(EMPTY_VITALS);
      form.resetDirty(EMPTY_VITALS);
      discardDraft();
      setSaved(r);
    },
    success: (r) => ({ color: r.flags.length ? 'orange' : 'teal', message: t('vitals.saved') }),
    close: (r) => onSaved?.(r),
    afterError: (err) => {
      // The server's limits of temperature and weight are in °C and kg: say them in the units typed.
      if (!(err instanceof ApiError)) return;
      for (const fe of err.fields) {
        if ((fe.field === 'temperature' && units.temperature !== 'C') || (fe.field === 'weight' && units.weight !== 'kg')) {
          if (fe.code === 'out_of_range') {
            const [min, max] = unitLimits(fe.field, units);
            form.setFieldError(fe.field, t('vitals.outOfRange', { min, max, unit: unitOf[fe.field] }));
          }
        }
      }
    },
  });

  return (
    <form onSubmit={form.onSubmit((values) => save.submit(vitalsBody(values)))} noValidate data-testid="vitals-form">
      <Stack>
        <Title order={4}>{t('vitals.record')}</Title>
        <DraftNotice restored={restored} onDiscard={() => form.setValues(EMPTY_VITALS)} />
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          {VITALS_FIELDS.map((f, i) => (
            <TextInput
              key={f}
              size="md"
              name={f}
              label={`${t(`vitals.fields.${f}`)} (${unitOf[f]})`}
              inputMode={f === 'systolic_bp' || f === 'diastolic_bp' || f === 'heart_rate' || f === 'respiratory_rate' ? 'numeric' : 'decimal'}
              autoComplete="off"
              data-autofocus={i === 0 || undefined}
              {...form.getInputProps(f)}
            />
          ))}
        </SimpleGrid>
        <Text size="sm" c="dimmed">
          {t('vitals.bmiHint')}
        </Text>
        <FormError message={save.message} />
        <FormButtons busy={save.busy} size="md" icon={<IconDeviceFloppy size={18} />} label={t('vitals.save')} testId="vitals-submit" />
        {saved && (
          <Alert color={saved.flags.length ? 'orange' : 'teal'} title={t('vitals.savedTitle', { bmi: saved.bmi ?? '—' })} data-testid="vitals-saved" data-vitals={saved.id}>
            <FlagList flags={saved.flags} />
          </Alert>
        )}
      </Stack>
    </form>
  );
}
