// MedicationModal: a new medication, or one edited on the version shown.
import { Checkbox, NativeSelect, NumberInput, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Medication } from '../api/types';
import { useSession } from '../auth/session';
import { readAmount } from '../billing/money';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useMoneyCheck } from './checks';
import { useCategories, useSaveMedication } from './queries';
import { limits } from '../api/limits';

export function MedicationModal({ medication, onClose }: { medication?: Medication; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const categories = useCategories();
  const money = useMoneyCheck();
  const initialValues = {
    name: medication?.name ?? '',
    generic_name: medication?.generic_name ?? '',
    description: medication?.description ?? '',
    category_id: medication ? String(medication.category_id) : '',
    strength: medication?.strength ?? '',
    form: medication?.form ?? '',
    unit_price: medication?.unit_price ?? '',
    reorder_level: medication?.reorder_level ?? 10,
    requires_prescription: medication?.requires_prescription ?? true,
    is_active: medication?.is_active ?? true,
  };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: medication ? `medication-edit-${medication.id}` : 'medication-new',
    owner: user.id,
    initialValues,
    validate: {
      name: (v) => (v.trim() ? null : t('validation.required')),
      category_id: (v) => (v ? null : t('validation.required')),
      strength: (v) => (v.trim() ? null : t('validation.required')),
      form: (v) => (v.trim() ? null : t('validation.required')),
      unit_price: money,
    },
  });
  const save = useSaveMedication(medication, {
    form,
    onSuccess: discardDraft,
    success: (_, v) => t('pharmacy.saved', { name: v.name }),
    close: onClose,
  });

  return (
    <FormModal
      title={medication ? t('pharmacy.editMedication') : t('pharmacy.newMedication')}
      size="lg"
      onClose={onClose}
      onSubmit={form.onSubmit((v) =>
        save.submit({
          name: v.name.trim(),
          generic_name: v.generic_name.trim(),
          description: v.description.trim(),
          category_id: Number(v.category_id),
          strength: v.strength.trim(),
          form: v.form.trim(),
          unit_price: readAmount(v.unit_price, i18n.language),
          reorder_level: Number(v.reorder_level),
          requires_prescription: v.requires_prescription,
          is_active: v.is_active,
        }),
      )}
      testId="medication-form"
      draft={{ restored, startOver }}
      save={save}
      submitTestId="medication-submit"
    >
      <TextInput label={t('pharmacy.name')} name="name" required data-autofocus maxLength={limits.MedicationParams.name.maxLength} {...form.getInputProps('name')} />
      <TextInput label={t('pharmacy.genericName')} description={t('pharmacy.genericNameHint')} name="generic_name" maxLength={limits.MedicationParams.generic_name.maxLength} {...form.getInputProps('generic_name')} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <NativeSelect
          label={t('pharmacy.category')}
          name="category_id"
          required
          data={[{ value: '', label: t('pharmacy.chooseCategory'), disabled: true }, ...(categories.data ?? []).map((c) => ({ value: String(c.id), label: c.name }))]}
          {...form.getInputProps('category_id')}
        />
        <TextInput label={t('pharmacy.strength')} name="strength" required maxLength={limits.MedicationParams.strength.maxLength} {...form.getInputProps('strength')} />
        <TextInput label={t('pharmacy.form')} name="form" required maxLength={limits.MedicationParams.form.maxLength} {...form.getInputProps('form')} />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <TextInput label={t('pharmacy.unitPrice')} name="unit_price" inputMode="decimal" required {...form.getInputProps('unit_price')} />
        <NumberInput label={t('pharmacy.reorderLevel')} name="reorder_level" min={0} allowDecimal={false} allowNegative={false} {...form.getInputProps('reorder_level')} />
      </SimpleGrid>
      <Textarea label={t('pharmacy.description')} name="description" maxLength={limits.MedicationParams.description.maxLength} autosize minRows={2} {...form.getInputProps('description')} />
      <Checkbox label={t('pharmacy.requiresPrescription')} {...form.getInputProps('requires_prescription', { type: 'checkbox' })} />
      {medication && <Checkbox label={t('pharmacy.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} />}
    </FormModal>
  );
}
