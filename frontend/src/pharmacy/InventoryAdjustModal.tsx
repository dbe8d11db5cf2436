// InventoryAdjustModal: a correction of a supply's quantity (up or down), with its reason.
import { TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { InventoryItem } from '../api/types';
import { useSession } from '../auth/session';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useQuantityCheck } from './checks';
import { QuantityChangeInput } from './QuantityChangeInput';
import { useAdjustInventory } from './queries';
import { limits } from '../api/limits';

export function InventoryAdjustModal({ item, onClose }: { item: InventoryItem; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const quantity = useQuantityCheck(true);
  const initialValues = { quantity_change: '' as number | string, reason: '' };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: `supply-adjust-${item.id}`,
    owner: user.id,
    initialValues,
    validate: { quantity_change: quantity, reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')) },
  });
  const adjust = useAdjustInventory(item.id, { form, onSuccess: discardDraft, close: onClose });

  return (
    <FormModal
      title={t('pharmacy.adjustTitle', { name: item.name })}
      onClose={onClose}
      onSubmit={form.onSubmit((v) => adjust.submit({ quantity_change: Number(v.quantity_change), reason: v.reason.trim() }))}
      testId="supply-adjust-form"
      draft={{ restored, startOver }}
      save={adjust}
      submitTestId="supply-adjust-submit"
    >
      <QuantityChangeInput current={item.quantity} {...form.getInputProps('quantity_change')} />
      <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.InventoryAdjustParams.reason.maxLength} {...form.getInputProps('reason')} />
    </FormModal>
  );
}
