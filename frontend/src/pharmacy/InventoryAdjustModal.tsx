// InventoryAdjustModal: a correction of a supply's quantity (up or down), with its reason.
import { Modal, Stack, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { InventoryItem } from '../api/types';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
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
  const { form, restored, discardDraft } = usePersistentForm({
    id: `supply-adjust-${item.id}`,
    owner: user.id,
    initialValues,
    validate: { quantity_change: quantity, reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')) },
  });
  const adjust = useAdjustInventory(item.id, { form, onSuccess: discardDraft, close: onClose });

  return (
    <Modal opened onClose={onClose} title={t('pharmacy.adjustTitle', { name: item.name })}>
      <form onSubmit={form.onSubmit((v) => adjust.submit({ quantity_change: Number(v.quantity_change), reason: v.reason.trim() }))} noValidate data-testid="supply-adjust-form">
        <Stack>
          <DraftNotice restored={restored} onDiscard={() => { discardDraft(); form.setValues(initialValues); }} />
          <QuantityChangeInput current={item.quantity} {...form.getInputProps('quantity_change')} />
          <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.InventoryAdjustParams.reason.maxLength} {...form.getInputProps('reason')} />
          <FormError message={adjust.message} testId="form-error" />
          <FormButtons busy={adjust.busy} onCancel={onClose} testId="supply-adjust-submit" />
        </Stack>
      </form>
    </Modal>
  );
}
