// AdjustModal: a correction of a medication's stock (up or down, on a batch or the earliest
// expiring), with its reason.
import { NativeSelect, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Medication, StockBatch } from '../api/types';
import { useSession } from '../auth/session';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useQuantityCheck } from './checks';
import { QuantityChangeInput } from './QuantityChangeInput';
import { useAdjustStock } from './queries';
import { limits } from '../api/limits';

export function AdjustModal({ medication, batches, onClose }: { medication: Medication; batches: StockBatch[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const quantity = useQuantityCheck(true);
  const live = batches.filter((b) => b.quantity_left > 0 || !b.expired);
  const initialValues = { quantity_change: '' as number | string, reason: '', batch_id: '' };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: `medication-adjust-${medication.id}`,
    owner: user.id,
    initialValues,
    validate: {
      quantity_change: quantity,
      reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')),
      batch_id: (v, values) => (Number(values.quantity_change) > 0 && !v ? t('pharmacy.batchForIncrease') : null),
    },
  });
  const adjust = useAdjustStock(medication.id, { form, onSuccess: discardDraft, success: t('pharmacy.adjusted', { name: medication.name }), close: onClose });

  return (
    <FormModal
      title={t('pharmacy.adjustTitle', { name: `${medication.name} ${medication.strength}` })}
      onClose={onClose}
      onSubmit={form.onSubmit((v) =>
        adjust.submit({ quantity_change: Number(v.quantity_change), reason: v.reason.trim(), ...(v.batch_id ? { batch_id: Number(v.batch_id) } : {}) }),
      )}
      testId="adjust-form"
      draft={{ restored, startOver }}
      save={adjust}
      submitTestId="adjust-submit"
    >
      <QuantityChangeInput current={medication.stock_quantity} {...form.getInputProps('quantity_change')} />
      <NativeSelect
        label={t('pharmacy.batch')}
        name="batch_id"
        data={[
          { value: '', label: t('pharmacy.batchAuto') },
          ...live.map((b) => ({ value: String(b.id), label: `${b.batch_number} · ${b.expiry_date} · ${b.quantity_left}` })),
        ]}
        {...form.getInputProps('batch_id')}
      />
      <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.AdjustParams.reason.maxLength} {...form.getInputProps('reason')} />
    </FormModal>
  );
}
