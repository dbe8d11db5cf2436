import { Card, PasswordInput, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { MIN_PASSWORD } from '../forms/validation';
import { useChangePassword } from './queries';
import { CardHeading } from '../shell/CardHeading';

/** PasswordCard changes one's own password (the server ends one's other sessions). Never kept as a draft. */
export function PasswordCard() {
  const { t } = useTranslation();
  const { user } = useSession();
  // every field is a password: nothing of it is ever stored
  const { form } = usePersistentForm({
    id: 'password-change',
    owner: user.id,
    initialValues: { current_password: '', new_password: '', confirm_password: '' },
    validate: {
      current_password: (v) => (v ? null : t('validation.required')),
      new_password: (v) => (v.length >= MIN_PASSWORD ? null : t('validation.passwordLength', { min: MIN_PASSWORD })),
      confirm_password: (v, all) => (v === all.new_password ? null : t('validation.passwordMatch')),
    },
  });
  const change = useChangePassword({ form, rename: { password: 'new_password' }, onSuccess: () => form.reset(), success: t('profile.passwordChanged') });

  return (
    <Card withBorder padding="lg">
      <form onSubmit={form.onSubmit((v) => change.submit({ current_password: v.current_password, new_password: v.new_password }))} noValidate data-testid="password-form">
        <Stack>
          <CardHeading title={t('profile.passwordTitle')} help={t('profile.passwordHelp', { min: MIN_PASSWORD })} />
          <PasswordInput label={t('fields.current_password')} required autoComplete="current-password" name="current_password" {...form.getInputProps('current_password')} />
          <PasswordInput label={t('fields.new_password')} required autoComplete="new-password" name="new_password" {...form.getInputProps('new_password')} />
          <PasswordInput label={t('fields.confirm_password')} required autoComplete="new-password" name="confirm_password" {...form.getInputProps('confirm_password')} />
          <FormError message={change.message} />
          <FormButtons busy={change.busy} label={t('profile.changePassword')} />
        </Stack>
      </form>
    </Card>
  );
}
