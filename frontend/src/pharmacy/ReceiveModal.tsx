// ReceiveModal: a delivered batch of a medication (its number, expiry, quantity and cost).
import { NumberInput, SimpleGrid, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Medication } from '../api/types';
import { useSession } from '../auth/session';
import { readAmount } from '../billing/money';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useMoneyCheck, useQuantityCheck } from './checks';
import { useReceiveBatch } from './queries';
import { isoToday } from './stock';
import { limits } from '../api/limits';
import { DateField } from '../forms/DateField';

export function ReceiveModal({ medication, onClose }: { medication: Medication; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const money = useMoneyCheck();
  const quantity = useQuantityCheck();
  const today = isoToday();
  const initialValues = { batch_number: '', expiry_date: '', quantity: '' as number | string, unit_cost: '' };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: `medication-receive-${medication.id}`,
    owner: user.id,
    initialValues,
    validate: {
      batch_number: (v) => (v.trim() ? null : t('validation.required')),
      expiry_date: (v) => (!v ? t('validation.required') : v < today ? t('pharmacy.expiredOnArrival') : null),
      quantity,
      unit_cost: money,
    },
  });
  const receive = useReceiveBatch(medication.id, {
    form,
    onSuccess: discardDraft,
    success: (_, v) => t('pharmacy.received', { n: v.quantity, name: medication.name }),
    close: onClose,
  });

  return (
    <FormModal
      title={t('pharmacy.receiveTitle', { name: `${medication.name} ${medication.strength}` })}
      onClose={onClose}
      onSubmit={form.onSubmit((v) =>
        receive.submit({ batch_number: v.batch_number.trim(), expiry_date: v.expiry_date, quantity: Number(v.quantity), unit_cost: readAmount(v.unit_cost, i18n.language) }),
      )}
      testId="receive-form"
      draft={{ restored, startOver }}
      save={receive}
      submitLabel={t('pharmacy.receive')}
      submitTestId="receive-submit"
    >
      <TextInput label={t('pharmacy.batchNumber')} name="batch_number" required data-autofocus maxLength={limits.ReceiveParams.batch_number.maxLength} {...form.getInputProps('batch_number')} />
      <DateField label={t('pharmacy.expiryDate')} name="expiry_date" min={today} required {...form.getInputProps('expiry_date')} />
      <SimpleGrid cols={2}>
        <NumberInput label={t('pharmacy.quantityLabel')} name="quantity" min={1} allowDecimal={false} allowNegative={false} required {...form.getInputProps('quantity')} />
        <TextInput label={t('pharmacy.unitCost')} name="unit_cost" inputMode="decimal" required {...form.getInputProps('unit_cost')} />
      </SimpleGrid>
    </FormModal>
  );
}
