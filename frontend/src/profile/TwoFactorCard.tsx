// TwoFactorCard: TOTP enrolment (QR code and secret, confirmed with a code, then the recovery
// codes shown once) and turning it off (password and a code).
import { Alert, Badge, Button, Card, Code, Group, Image, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPrinter, IconShieldCheck } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../api';
import type { TwoFactorEnrolment } from '../api/types';
import { ME_KEY, useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { useServerErrors } from '../forms/useServerErrors';

function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

export function TwoFactorCard() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const qc = useQueryClient();
  const [enrolment, setEnrolment] = useState<TwoFactorEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    setBusy(true);
    setMessage(null);
    try {
      setEnrolment(await unwrap(api.client.POST('/api/v1/auth/2fa/setup')));
    } catch (err) {
      setMessage(problemMessage(err, t, i18n.language));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder padding="lg" data-testid="two-factor-card">
      <Stack>
        <Group justify="space-between">
          <Title order={3} size="h4">
            {t('twoFactor.title')}
          </Title>
          {user.two_factor_enabled ? (
            <Badge color="teal" leftSection={<IconShieldCheck size={12} />} data-testid="two-factor-status">
              {t('users.on')}
            </Badge>
          ) : (
            <Badge color="gray" data-testid="two-factor-status">
              {t('users.off')}
            </Badge>
          )}
        </Group>
        {codes ? (
          <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />
        ) : user.two_factor_enabled ? (
          <DisableForm />
        ) : enrolment ? (
          <EnableForm
            enrolment={enrolment}
            onCancel={() => setEnrolment(null)}
            onEnabled={(c) => {
              setEnrolment(null);
              setCodes(c);
              void qc.invalidateQueries({ queryKey: ME_KEY });
            }}
          />
        ) : (
          <>
            <Text size="sm">{t('twoFactor.intro')}</Text>
            {message && <Alert color="red">{message}</Alert>}
            <Group justify="flex-end">
              <Button onClick={() => void start()} loading={busy} data-testid="two-factor-start">
                {t('twoFactor.start')}
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Card>
  );
}

function EnableForm({ enrolment, onCancel, onEnabled }: { enrolment: TwoFactorEnrolment; onCancel: () => void; onEnabled: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { code: '' },
    validate: { code: (v) => (/^\d{6}$/.test(v.trim()) ? null : t('validation.otp')) },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      const { recovery_codes } = await unwrap(api.client.POST('/api/v1/auth/2fa/enable', { body: { code: v.code.trim() } }));
      onEnabled(recovery_codes);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'otp-invalid') form.setFieldError('code', t('problems.otp-invalid'));
      else errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={form.onSubmit(submit)} noValidate data-testid="two-factor-enable-form">
      <Stack>
        <Text size="sm">{t('twoFactor.scan')}</Text>
        <Group align="flex-start" wrap="wrap">
          <Image src={`data:image/png;base64,${enrolment.qr_png}`} alt={t('twoFactor.qrAlt')} w={180} h={180} className="qr" />
          <Stack gap={4}>
            <Text size="sm">{t('twoFactor.manual')}</Text>
            <Code block data-testid="two-factor-secret" data-secret={enrolment.secret}>
              {grouped(enrolment.secret)}
            </Code>
          </Stack>
        </Group>
        <TextInput
          label={t('twoFactor.codeLabel')}
          description={t('twoFactor.codeHelp')}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          required
          autoFocus
          name="code"
          {...form.getInputProps('code')}
        />
        {errors.message && (
          <Alert color="red" role="alert">
            {errors.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy}>
            {t('twoFactor.enable')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Stack data-testid="recovery-codes">
      <Alert color="teal" title={t('twoFactor.enabledTitle')}>
        {t('twoFactor.recoveryHelp')}
      </Alert>
      <SimpleGrid cols={2} spacing="xs" className="recovery-codes">
        {codes.map((c) => (
          <Code key={c} fz="md">
            {c}
          </Code>
        ))}
      </SimpleGrid>
      <Group justify="flex-end" className="no-print">
        <Button variant="default" leftSection={<IconPrinter size={16} />} onClick={() => window.print()}>
          {t('common.print')}
        </Button>
        <Button onClick={onDone} autoFocus>
          {t('twoFactor.saved')}
        </Button>
      </Group>
    </Stack>
  );
}

function DisableForm() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const form = useForm({
    mode: 'controlled',
    initialValues: { password: '', code: '' },
    validate: {
      password: (v) => (v ? null : t('validation.required')),
      code: (v) => (v.trim() ? null : t('validation.required')),
    },
  });
  const errors = useServerErrors(form);

  async function submit(v: typeof form.values) {
    setBusy(true);
    errors.clear();
    try {
      await unwrap(api.client.POST('/api/v1/auth/2fa/disable', { body: { password: v.password, code: v.code.trim() } }));
      form.reset();
      await qc.invalidateQueries({ queryKey: ME_KEY });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'otp-invalid') form.setFieldError('code', t('problems.otp-invalid'));
      else errors.handle(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={form.onSubmit(submit)} noValidate data-testid="two-factor-disable-form">
      <Stack>
        <Text size="sm">{t('twoFactor.onText')}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <PasswordInput label={t('fields.password')} required autoComplete="current-password" name="password" {...form.getInputProps('password')} />
          <TextInput label={t('twoFactor.codeOrRecovery')} required autoComplete="one-time-code" name="code" {...form.getInputProps('code')} />
        </SimpleGrid>
        {errors.message && (
          <Alert color="red" role="alert">
            {errors.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" color="red" variant="light" loading={busy}>
            {t('twoFactor.disable')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
