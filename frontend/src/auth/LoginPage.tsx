// LoginPage: username and password, then, when the server answers otp-required, a second
// step asking for the authenticator's 6-digit code or a recovery code.
import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { limits } from '../api/limits';
import { AuthFrame } from './AuthFrame';
import { useLogin } from './queries';

export function LoginPage() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('login.title')} · Chelal`);
  const [step, setStep] = useState<'credentials' | 'otp'>('credentials');
  // the username is kept as a draft (a reload, a lost server); the password and the code never
  const { form, discardDraft } = usePersistentForm({
    id: 'login',
    owner: 'login',
    initialValues: { username: '', password: '', otp: '' },
    validate: {
      username: (v) => (v.trim() ? null : t('validation.required')),
      password: (v) => (v ? null : t('validation.required')),
      otp: (v) => (step === 'otp' && !v.trim() ? t('validation.required') : null),
    },
  });

  const login = useLogin({
    onSuccess: discardDraft,
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'otp-required') {
        setStep('otp');
        form.setFieldValue('otp', '');
        return true;
      }
      if (err instanceof ApiError && err.code === 'otp-invalid') {
        form.setFieldError('otp', t('problems.otp-invalid'));
        return true;
      }
      return false;
    },
    afterError: (err) => {
      if (err instanceof ApiError && err.code === 'invalid-credentials') {
        setStep('credentials');
        form.setFieldValue('password', '');
      }
    },
  });

  function submit(values: typeof form.values) {
    void login.submit({ username: values.username.trim(), password: values.password, ...(step === 'otp' ? { otp: values.otp.trim() } : {}) });
  }

  return (
    <AuthFrame title={step === 'otp' ? t('login.otpTitle') : t('login.title')} subtitle={step === 'otp' ? t('login.otpHelp') : t('login.subtitle')}>
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid={step === 'otp' ? 'otp-form' : 'login-form'}>
        <Stack>
          {step === 'credentials' ? (
            <>
              <TextInput
                label={t('fields.username')}
                autoComplete="username"
                autoFocus
                required
                name="username"
                {...form.getInputProps('username')}
              />
              <PasswordInput
                label={t('fields.password')}
                autoComplete="current-password"
                required
                name="password"
                {...form.getInputProps('password')}
              />
            </>
          ) : (
            <TextInput
              label={t('login.otpLabel')}
              description={t('login.otpDescription')}
              autoComplete="one-time-code"
              autoFocus
              required
              name="otp"
              maxLength={limits.LoginParams.otp.maxLength}
              {...form.getInputProps('otp')}
            />
          )}
          <FormError message={login.message} testId="login-error" />
          <Button type="submit" loading={login.busy} fullWidth>
            {step === 'otp' ? t('login.verify') : t('login.submit')}
          </Button>
          {step === 'otp' && (
            <Anchor
              component="button"
              type="button"
              size="sm"
              onClick={() => {
                setStep('credentials');
                login.setMessage(null);
                form.setFieldValue('password', '');
              }}
            >
              {t('login.back')}
            </Anchor>
          )}
        </Stack>
      </form>
    </AuthFrame>
  );
}
