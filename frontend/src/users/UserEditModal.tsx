// UserEditModal: change a user's names, email, role, language; deactivate or reactivate them;
// turn their 2FA off when they lost their phone. Saves only what changed, with the version
// it was read at (a stale one is refused: someone else changed the user meanwhile).
import { Alert, Button, Divider, Group, Loader, Modal, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api';
import type { UpdateUserParams, User } from '../api/types';
import type { Language } from '../i18n/languages';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { isEmail } from '../forms/validation';
import { LanguageSelect } from './LanguageSelect';
import { useResetTwoFactor, userKey, useUpdateUser } from './queries';
import { RoleSelect } from './RoleSelect';
import { QueryError } from '../shell/PageState';

export function UserEditModal() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const close = () => navigate('/users');
  const user = useQuery({
    queryKey: userKey(id),
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/users/{id}', { params: { path: { id } } }))).user,
    enabled: Number.isInteger(id) && id > 0,
  });
  return (
    <Modal opened onClose={close} title={t('users.edit')} size="lg">
      {user.isPending && <Loader />}
      <QueryError query={user} />
      {user.data && <EditForm key={`${user.data.id}-${user.data.version}`} user={user.data} onDone={close} />}
    </Modal>
  );
}

function valuesOf(u: User) {
  return {
    first_name: u.first_name,
    last_name: u.last_name,
    email: u.email,
    role_id: u.role_id === null ? '' : String(u.role_id),
    language_preference: u.language_preference,
    is_active: u.is_active,
  };
}

function EditForm({ user, onDone }: { user: User; onDone: () => void }) {
  const { t } = useTranslation();
  const { user: me } = useSession();
  const [confirmReset, setConfirmReset] = useState(false);
  const initial = valuesOf(user);
  const { form, restored, discardDraft } = usePersistentForm({
    id: `user-edit-${user.id}`,
    owner: me.id,
    initialValues: initial,
    validate: {
      first_name: (v) => (v.trim() ? null : t('validation.required')),
      last_name: (v) => (v.trim() ? null : t('validation.required')),
      email: (v) => (isEmail(v) ? null : t('validation.email')),
    },
  });
  const name = `${user.first_name} ${user.last_name}`.trim() || user.username;

  const save = useUpdateUser(user.id, { form, onSuccess: discardDraft, success: (saved) => t('users.saved', { username: saved.username }), close: onDone });
  const reset = useResetTwoFactor(user.id, {
    onSuccess: () => setConfirmReset(false),
    success: (saved) => t('users.twoFactorReset', { username: saved.username }),
  });

  function submit(v: typeof form.values) {
    const body: UpdateUserParams = { version: user.version };
    if (v.first_name !== initial.first_name) body.first_name = v.first_name.trim();
    if (v.last_name !== initial.last_name) body.last_name = v.last_name.trim();
    if (v.email !== initial.email) body.email = v.email.trim();
    if (v.role_id !== initial.role_id && v.role_id) body.role_id = Number(v.role_id);
    if (v.language_preference !== initial.language_preference) body.language_preference = v.language_preference as Language;
    if (v.is_active !== initial.is_active) body.is_active = v.is_active;
    if (Object.keys(body).length === 1) {
      discardDraft();
      onDone();
      return;
    }
    void save.submit(body);
  }

  return (
    <Stack>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="user-edit-form">
        <Stack>
          <Text size="sm" c="dimmed">
            {t('users.editing', { username: user.username })}
          </Text>
          <DraftNotice restored={restored} onDiscard={() => { discardDraft(); form.setValues(initial); }} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('fields.first_name')} required autoFocus data-autofocus name="first_name" {...form.getInputProps('first_name')} />
            <TextInput label={t('fields.last_name')} required name="last_name" {...form.getInputProps('last_name')} />
            <TextInput label={t('fields.email')} required type="email" name="email" {...form.getInputProps('email')} />
            <RoleSelect label={t('fields.role')} name="role_id" {...form.getInputProps('role_id')} />
            <LanguageSelect label={t('fields.language_preference')} name="language_preference" {...form.getInputProps('language_preference')} />
          </SimpleGrid>
          <Switch
            label={t('users.activeLabel')}
            description={form.values.is_active ? t('users.activeHint') : t('users.inactiveHint')}
            name="is_active"
            {...form.getInputProps('is_active', { type: 'checkbox' })}
          />
          <FormError message={save.message} />
          <FormButtons busy={save.busy} onCancel={onDone} />
        </Stack>
      </form>
      <Divider label={t('users.twoFactor')} labelPosition="left" />
      {user.two_factor_enabled ? (
        confirmReset ? (
          <Alert color="orange" title={t('users.resetConfirmTitle')}>
            <Text size="sm" mb="sm">
              {t('users.resetConfirmText', { name })}
            </Text>
            <Group>
              <Button color="orange" onClick={() => void reset.submit()} data-autofocus>
                {t('users.resetConfirm')}
              </Button>
              <Button variant="default" onClick={() => setConfirmReset(false)}>
                {t('common.cancel')}
              </Button>
            </Group>
          </Alert>
        ) : (
          <Group justify="space-between">
            <Text size="sm">{t('users.twoFactorOn')}</Text>
            <Button variant="light" color="orange" onClick={() => setConfirmReset(true)}>
              {t('users.resetTwoFactor')}
            </Button>
          </Group>
        )
      ) : (
        <Text size="sm" c="dimmed">
          {t('users.twoFactorOff')}
        </Text>
      )}
      {reset.message && <Alert color="red">{reset.message}</Alert>}
    </Stack>
  );
}
