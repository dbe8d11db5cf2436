// LoginPage: username and password, then, when the server answers otp-required, a second
// step asking for the authenticator's 6-digit code or a recovery code.
import { Alert, Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDocumentTitle } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../api';
import { limits } from '../api/limits';
import { problemMessage } from '../forms/errors';
import { AuthFrame } from './AuthFrame';
import { signedIn } from './session';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  useDocumentTitle(`${t('login.title')} · Chelal`);
  const [step, setStep] = useState<'credentials' | 'otp'>('credentials');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { username: '', password: '', otp: '' },
    validate: {
      username: (v) => (v.trim() ? null : t('validation.required')),
      password: (v) => (v ? null : t('validation.required')),
      otp: (v) => (step === 'otp' && !v.trim() ? t('validation.required') : null),
    },
  });

  async function submit(values: typeof form.values) {
    setBusy(true);
    setMessage(null);
    try {
      const body = { username: values.username.trim(), password: values.password, ...(step === 'otp' ? { otp: values.otp.trim() } : {}) };
      const info = await unwrap(api.client.POST('/api/v1/auth/login', { body }));
      signedIn(qc, info);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'otp-required') {
        setStep('otp');
        form.setFieldValue('otp', '');
      } else if (err instanceof ApiError && err.code === 'otp-invalid') {
        form.setFieldError('otp', t('problems.otp-invalid'));
      } else {
        setMessage(problemMessage(err, t, i18n.language));
        if (err instanceof ApiError && err.code === 'invalid-credentials') {
          setStep('credentials');
          form.setFieldValue('password', '');
        }
      }
    } finally {
      setBusy(false);
    }
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
          {message && (
            <Alert color="red" role="alert" data-testid="login-error">
              {message}
            </Alert>
          )}
          <Button type="submit" loading={busy} fullWidth>
            {step === 'otp' ? t('login.verify') : t('login.submit')}
          </Button>
          {step === 'otp' && (
            <Anchor
              component="button"
              type="button"
              size="sm"
              onClick={() => {
                setStep('credentials');
                setMessage(null);
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
