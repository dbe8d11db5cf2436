// ReturnModal: medicine a patient brings back from a dispense (at most what was handed out and
// not yet returned), with the reason.
import { NumberInput, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Medication } from '../api/types';
import { useSession } from '../auth/session';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useQuantityCheck } from './checks';
import { useReturnDispense } from './queries';
import { limits } from '../api/limits';

export function ReturnModal({ medication, dispenseId, remaining, onClose }: { medication: Medication; dispenseId: number; remaining: number; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const quantity = useQuantityCheck();
  const initialValues = { quantity: '' as number | string, reason: '' };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: `dispense-return-${dispenseId}`,
    owner: user.id,
    initialValues,
    validate: {
      quantity: (v) => quantity(v) ?? (Number(v) > remaining ? t('pharmacy.returnHint', { n: remaining }) : null),
      reason: (v) => (v.trim() ? null : t('pharmacy.reasonRequired')),
    },
  });
  const giveBack = useReturnDispense(dispenseId, {
    form,
    onSuccess: discardDraft,
    success: (_, v) => t('pharmacy.returned', { n: v.quantity, name: medication.name }),
    close: onClose,
  });

  return (
    <FormModal
      title={t('pharmacy.returnTitle', { name: `${medication.name} ${medication.strength}` })}
      onClose={onClose}
      onSubmit={form.onSubmit((v) => giveBack.submit({ quantity: Number(v.quantity), reason: v.reason.trim() }))}
      testId="return-form"
      draft={{ restored, startOver }}
      save={giveBack}
      submitLabel={t('pharmacy.returnSubmit')}
      submitTestId="return-submit"
    >
      <NumberInput
        label={t('pharmacy.quantityLabel')}
        description={t('pharmacy.returnHint', { n: remaining })}
        name="quantity"
        min={1}
        allowDecimal={false}
        allowNegative={false}
        required
        data-autofocus
        {...form.getInputProps('quantity')}
      />
      <TextInput label={t('pharmacy.reason')} name="reason" required maxLength={limits.ReturnParams.reason.maxLength} {...form.getInputProps('reason')} />
    </FormModal>
  );
}
