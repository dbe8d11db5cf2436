import { Alert, Button, Group, Modal, PasswordInput, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../api';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useServerErrors } from '../forms/useServerErrors';
import { isEmail, MIN_PASSWORD } from '../forms/validation';
import { currentLanguage } from '../i18n';
import { LanguageSelect } from './LanguageSelect';
import { USERS_KEY } from './queries';
import { RoleSelect } from './RoleSelect';

export function UserCreateModal() {
  const { t } = useTranslation();
  const { user: me } = useSession();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const { form, restored, discardDraft } = usePersistentForm({
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
  const errors = useServerErrors(form);
  const close = () => navigate('/users');

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      const { user } = await unwrap(
        api.client.POST('/api/v1/users', {
          body: { ...v, username: v.username.trim(), email: v.email.trim(), role_id: Number(v.role_id) },
        }),
      );
      discardDraft();
      await qc.invalidateQueries({ queryKey: USERS_KEY });
      notifications.show({ color: 'teal', message: t('users.created', { username: user.username }) });
      close();
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={close} title={t('users.new')} size="lg">
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="user-create-form">
        <Stack>
          <DraftNotice restored={restored} onDiscard={() => { discardDraft(); form.reset(); }} />
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
          {errors.message && (
            <Alert color="red" role="alert">
              {errors.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy}>
              {t('users.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
