// InventoryModal: a new supply (gloves, syringes), or one edited on the version shown.
import { Checkbox, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { InventoryItem } from '../api/types';
import { useSession } from '../auth/session';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useSaveInventoryItem } from './queries';
import { limits } from '../api/limits';

export function InventoryModal({ item, onClose }: { item?: InventoryItem; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const initialValues = { name: item?.name ?? '', description: item?.description ?? '', unit: item?.unit ?? 'piece', is_active: item?.is_active ?? true };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: item ? `supply-edit-${item.id}` : 'supply-new',
    owner: user.id,
    initialValues,
    validate: { name: (v) => (v.trim() ? null : t('validation.required')), unit: (v) => (v.trim() ? null : t('validation.required')) },
  });
  const save = useSaveInventoryItem(item, { form, onSuccess: discardDraft, close: onClose });

  return (
    <FormModal
      title={item ? t('pharmacy.editSupply') : t('pharmacy.newSupply')}
      onClose={onClose}
      onSubmit={form.onSubmit((v) => save.submit({ name: v.name.trim(), description: v.description.trim(), unit: v.unit.trim(), is_active: v.is_active }))}
      testId="supply-form"
      draft={{ restored, startOver }}
      save={save}
      submitTestId="supply-submit"
    >
      <TextInput label={t('pharmacy.name')} name="name" required data-autofocus maxLength={limits.InventoryParams.name.maxLength} {...form.getInputProps('name')} />
      <TextInput label={t('pharmacy.unit')} name="unit" required maxLength={limits.InventoryParams.unit.maxLength} {...form.getInputProps('unit')} />
      <Textarea label={t('pharmacy.description')} name="description" maxLength={limits.InventoryParams.description.maxLength} {...form.getInputProps('description')} />
      {item && <Checkbox label={t('pharmacy.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} />}
    </FormModal>
  );
}
