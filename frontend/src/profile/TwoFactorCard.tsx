// TwoFactorCard: TOTP enrolment (QR code and secret, confirmed with a code, then the recovery
// codes shown once) and turning it off (password and a code).
import { Alert, Badge, Button, Card, Code, Group, Image, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconPrinter, IconShieldCheck } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import type { TwoFactorEnrolment } from '../api/types';
import { useSession } from '../auth/session';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { useDisableTwoFactor, useEnableTwoFactor, useStartTwoFactor } from './queries';

/** otpInvalid: a wrong code is said beside the code field. */
function otpInvalid(form: { setFieldError: (field: 'code', error: string) => void }, t: TFunction) {
  return (err: unknown) => {
    if (!(err instanceof ApiError && err.code === 'otp-invalid')) return false;
    form.setFieldError('code', t('problems.otp-invalid'));
    return true;
  };
}

function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

export function TwoFactorCard() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [enrolment, setEnrolment] = useState<TwoFactorEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const start = useStartTwoFactor({ onSuccess: setEnrolment });

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
            }}
          />
        ) : (
          <>
            <Text size="sm">{t('twoFactor.intro')}</Text>
            {start.message && <Alert color="red">{start.message}</Alert>}
            <Group justify="flex-end">
              <Button onClick={() => void start.submit()} loading={start.busy} data-testid="two-factor-start">
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
  const { user } = useSession();
  const { form } = usePersistentForm({
    id: 'two-factor-enable',
    owner: user.id,
    initialValues: { code: '' },
    validate: { code: (v) => (/^\d{6}$/.test(v.trim()) ? null : t('validation.otp')) },
    secret: ['code'],
  });
  const enable = useEnableTwoFactor({ form, onError: otpInvalid(form, t), close: onEnabled });

  return (
    <form onSubmit={form.onSubmit((v) => enable.submit(v.code.trim()))} noValidate data-testid="two-factor-enable-form">
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
        <FormError message={enable.message} />
        <FormButtons busy={enable.busy} onCancel={onCancel} label={t('twoFactor.enable')} />
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
  const { user } = useSession();
  const { form } = usePersistentForm({
    id: 'two-factor-disable',
    owner: user.id,
    initialValues: { password: '', code: '' },
    validate: {
      password: (v) => (v ? null : t('validation.required')),
      code: (v) => (v.trim() ? null : t('validation.required')),
    },
    secret: ['code'],
  });
  const disable = useDisableTwoFactor({ form, onError: otpInvalid(form, t), onSuccess: () => form.reset() });

  return (
    <form onSubmit={form.onSubmit((v) => disable.submit({ password: v.password, code: v.code.trim() }))} noValidate data-testid="two-factor-disable-form">
      <Stack>
        <Text size="sm">{t('twoFactor.onText')}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <PasswordInput label={t('fields.password')} required autoComplete="current-password" name="password" {...form.getInputProps('password')} />
          <TextInput label={t('twoFactor.codeOrRecovery')} required autoComplete="one-time-code" name="code" {...form.getInputProps('code')} />
        </SimpleGrid>
        <FormError message={disable.message} />
        <FormButtons busy={disable.busy} color="red" variant="light" label={t('twoFactor.disable')} />
      </Stack>
    </form>
  );
}
