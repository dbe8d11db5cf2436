// CategoryModal: a new medication category, or one edited on the version shown.
import { Checkbox, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MedicationCategory } from '../api/types';
import { useSession } from '../auth/session';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useSaveCategory } from './queries';
import { limits } from '../api/limits';

export function CategoryModal({ category, onClose }: { category?: MedicationCategory; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const initialValues = { name: category?.name ?? '', description: category?.description ?? '', is_active: category?.is_active ?? true };
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: category ? `category-edit-${category.id}` : 'category-new',
    owner: user.id,
    initialValues,
    validate: { name: (v) => (v.trim() ? null : t('validation.required')) },
  });
  const save = useSaveCategory(category, { form, onSuccess: discardDraft, close: onClose });

  return (
    <FormModal
      title={category ? t('pharmacy.editCategory') : t('pharmacy.newCategory')}
      onClose={onClose}
      onSubmit={form.onSubmit((v) => save.submit({ name: v.name.trim(), description: v.description.trim(), is_active: v.is_active }))}
      testId="category-form"
      draft={{ restored, startOver }}
      save={save}
      submitTestId="category-submit"
    >
      <TextInput label={t('pharmacy.name')} name="name" required data-autofocus maxLength={limits.CategoryParams.name.maxLength} {...form.getInputProps('name')} />
      <Textarea label={t('pharmacy.description')} name="description" maxLength={limits.CategoryParams.description.maxLength} {...form.getInputProps('description')} />
      {category && <Checkbox label={t('pharmacy.active')} {...form.getInputProps('is_active', { type: 'checkbox' })} />}
    </FormModal>
  );
}
