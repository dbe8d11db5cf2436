import { Alert, Button, Card, Group, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { useServerErrors } from '../forms/useServerErrors';
import { MIN_PASSWORD } from '../forms/validation';

/** PasswordCard changes one's own password (the server ends one's other sessions). Never kept as a draft. */
export function PasswordCard() {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { current_password: '', new_password: '', confirm_password: '' },
    validate: {
      current_password: (v) => (v ? null : t('validation.required')),
      new_password: (v) => (v.length >= MIN_PASSWORD ? null : t('validation.passwordLength', { min: MIN_PASSWORD })),
      confirm_password: (v, all) => (v === all.new_password ? null : t('validation.passwordMatch')),
    },
  });
  const errors = useServerErrors(form, { password: 'new_password' });

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      await unwrap(api.client.POST('/api/v1/auth/password', { body: { current_password: v.current_password, new_password: v.new_password } }));
      form.reset();
      notifications.show({ color: 'teal', message: t('profile.passwordChanged') });
    } catch (err) {
      errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder padding="lg">
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="password-form">
        <Stack>
          <div>
            <Title order={3} size="h4">
              {t('profile.passwordTitle')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('profile.passwordHelp', { min: MIN_PASSWORD })}
            </Text>
          </div>
          <PasswordInput label={t('fields.current_password')} required autoComplete="current-password" name="current_password" {...form.getInputProps('current_password')} />
          <PasswordInput label={t('fields.new_password')} required autoComplete="new-password" name="new_password" {...form.getInputProps('new_password')} />
          <PasswordInput label={t('fields.confirm_password')} required autoComplete="new-password" name="confirm_password" {...form.getInputProps('confirm_password')} />
          {errors.message && (
            <Alert color="red" role="alert">
              {errors.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={busy}>
              {t('profile.changePassword')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
