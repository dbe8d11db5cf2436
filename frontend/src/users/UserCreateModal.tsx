import { PasswordInput, SimpleGrid, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useSession } from '../auth/session';
import { FormModal } from '../forms/FormModal';
import { usePersistentForm } from '../forms/usePersistentForm';
import { isEmail, MIN_PASSWORD } from '../forms/validation';
import { currentLanguage } from '../i18n';
import { LanguageSelect } from './LanguageSelect';
import { useCreateUser } from './queries';
import { RoleSelect } from './RoleSelect';

export function UserCreateModal() {
  const { t } = useTranslation();
  const { user: me } = useSession();
  const navigate = useNavigate();
  const { form, restored, discardDraft, startOver } = usePersistentForm({
    id: 'user-create',
    owner: me.id,
    initialValues: { first_name: '', last_name: '', username: '', email: '', role_id: '', language_preference: currentLanguage(), password: '' },
    validate: {
      first_name: (v) => (v.trim() ? null : t('validation.required')),
      last_name: (v) => (v.trim() ? null : t('validation.required')),
      username: (v) => (v.trim() ? null : t('validation.required')),
      email: (v) => (isEmail(v) ? null : t('validation.email')),
      role_id: (v) => (v ? null : t('validation.required')),
      password: (v) => (v.length >= MIN_PASSWORD ? null : t('validation.passwordLength', { min: MIN_PASSWORD })),
    },
  });
  const close = () => navigate('/users');

  const create = useCreateUser({ form, onSuccess: discardDraft, success: (user) => t('users.created', { username: user.username }), close });

  return (
    <FormModal
      title={t('users.new')}
      size="lg"
      onClose={close}
      onSubmit={form.onSubmit((v) => create.submit({ ...v, username: v.username.trim(), email: v.email.trim(), role_id: Number(v.role_id) }))}
      testId="user-create-form"
      draft={{ restored, startOver }}
      save={create}
      submitLabel={t('users.create')}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label={t('fields.first_name')} required data-autofocus name="first_name" {...form.getInputProps('first_name')} />
        <TextInput label={t('fields.last_name')} required name="last_name" {...form.getInputProps('last_name')} />
        <TextInput label={t('fields.username')} required name="username" autoComplete="off" {...form.getInputProps('username')} />
        <TextInput label={t('fields.email')} required type="email" name="email" autoComplete="off" {...form.getInputProps('email')} />
        <RoleSelect label={t('fields.role')} required name="role_id" {...form.getInputProps('role_id')} />
        <LanguageSelect label={t('fields.language_preference')} name="language_preference" {...form.getInputProps('language_preference')} />
      </SimpleGrid>
      <PasswordInput
        label={t('fields.initialPassword')}
        description={t('users.passwordHint', { min: MIN_PASSWORD })}
        required
        name="password"
        autoComplete="new-password"
        {...form.getInputProps('password')}
      />
    </FormModal>
  );
}
