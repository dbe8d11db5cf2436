// SetupWizard: the first run. Names the clinic (with its record-number prefix, currency and
// consultation fee: the catalog starts with that service) and creates the first administrator in three
// steps (clinic, administrator, password), then logs them in. Shown while GET /setup says
// it is needed. Typed input (not the password) is kept as a draft.
import { Button, Group, PasswordInput, Stack, Stepper, Text, TextInput } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { amountProblem, normalizeAmount, readAmount } from '../billing/money';
import { usePersistentForm } from '../forms/usePersistentForm';
import { FormError } from '../forms/FormFooter';
import { isEmail, MIN_PASSWORD } from '../forms/validation';
import { AuthFrame } from './AuthFrame';
import { useSetup } from './queries';

const STEP_FIELDS = [['clinic_name', 'mrn_prefix', 'currency', 'consultation_fee'], ['first_name', 'last_name', 'username', 'email'], ['password', 'confirm_password']] as const;

export function SetupWizard() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t('setup.title')} · Chelal`);
  const [active, setActive] = useState(0);
  const { form, discardDraft } = usePersistentForm({
    id: 'setup',
    owner: 'setup',
    initialValues: { clinic_name: '', mrn_prefix: 'CHL', currency: 'KES', consultation_fee: '', first_name: '', last_name: '', username: '', email: '', password: '', confirm_password: '' },
    validate: (v) => {
      const e: Record<string, string | null> = {};
      if (active === 0) {
        e.clinic_name = v.clinic_name.trim() ? null : t('validation.required');
        e.mrn_prefix = /^[A-Za-z]{1,10}$/.test(v.mrn_prefix.trim()) ? null : t('setup.mrnPrefixInvalid');
        e.currency = /^[A-Za-z]{3}$/.test(v.currency.trim()) ? null : t('setup.currencyInvalid');
        const fee = v.consultation_fee.trim() ? amountProblem(readAmount(v.consultation_fee, i18n.language), { allowZero: true }) : null;
        e.consultation_fee = fee ? t(`billing.amountProblems.${fee}`) : null;
      }
      if (active === 1) {
        e.first_name = v.first_name.trim() ? null : t('validation.required');
        e.last_name = v.last_name.trim() ? null : t('validation.required');
        e.username = v.username.trim() ? null : t('validation.required');
        e.email = isEmail(v.email) ? null : t('validation.email');
      }
      if (active === 2) {
        e.password = v.password.length >= MIN_PASSWORD ? null : t('validation.passwordLength', { min: MIN_PASSWORD });
        e.confirm_password = v.confirm_password === v.password ? null : t('validation.passwordMatch');
      }
      return e;
    },
  });
  const setup = useSetup({
    form,
    onSuccess: discardDraft,
    afterError: (_, placed) => {
      const first = STEP_FIELDS.findIndex((fields) => fields.some((f) => f in placed));
      if (first >= 0) setActive(first);
    },
  });

  function next(values: typeof form.values) {
    if (active < 2) {
      setActive(active + 1);
      return;
    }
    const { confirm_password: _confirm, ...body } = values;
    void _confirm;
    const fee = body.consultation_fee.trim() ? normalizeAmount(readAmount(body.consultation_fee, i18n.language)) : undefined;
    void setup.submit({
      ...body,
      username: body.username.trim(),
      email: body.email.trim(),
      mrn_prefix: body.mrn_prefix.trim().toUpperCase(),
      currency: body.currency.trim().toUpperCase(),
      consultation_fee: fee,
    });
  }

  return (
    <AuthFrame title={t('setup.title')} subtitle={t('setup.subtitle')} width={560}>
      <form onSubmit={form.onSubmit(next)} noValidate data-testid="setup-form">
        <Stack>
          <Stepper active={active} onStepClick={(s) => s < active && setActive(s)} size="sm" allowNextStepsSelect={false}>
            <Stepper.Step label={t('setup.stepClinic')}>
              <Stack mt="md">
                <Text size="sm">{t('setup.clinicHelp')}</Text>
                <TextInput label={t('fields.clinic_name')} required autoFocus name="clinic_name" {...form.getInputProps('clinic_name')} />
                <Group grow align="flex-start">
                  <TextInput
                    label={t('setup.mrnPrefix')}
                    description={t('setup.mrnPrefixHint')}
                    required
                    name="mrn_prefix"
                    maxLength={10}
                    styles={{ input: { fontFamily: 'monospace', textTransform: 'uppercase' } }}
                    {...form.getInputProps('mrn_prefix')}
                  />
                  <TextInput
                    label={t('setup.currency')}
                    description={t('setup.currencyHint')}
                    required
                    name="currency"
                    maxLength={3}
                    styles={{ input: { textTransform: 'uppercase' } }}
                    {...form.getInputProps('currency')}
                  />
                </Group>
                <TextInput
                  label={t('setup.consultationFee')}
                  description={t('setup.consultationFeeHint')}
                  name="consultation_fee"
                  inputMode="decimal"
                  {...form.getInputProps('consultation_fee')}
                />
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={t('setup.stepAdmin')}>
              <Stack mt="md">
                <Text size="sm">{t('setup.adminHelp')}</Text>
                <Group grow align="flex-start">
                  <TextInput label={t('fields.first_name')} required autoFocus name="first_name" autoComplete="given-name" {...form.getInputProps('first_name')} />
                  <TextInput label={t('fields.last_name')} required name="last_name" autoComplete="family-name" {...form.getInputProps('last_name')} />
                </Group>
                <TextInput label={t('fields.username')} required name="username" autoComplete="username" {...form.getInputProps('username')} />
                <TextInput label={t('fields.email')} required type="email" name="email" autoComplete="email" {...form.getInputProps('email')} />
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={t('setup.stepPassword')}>
              <Stack mt="md">
                <Text size="sm">{t('setup.passwordHelp', { min: MIN_PASSWORD })}</Text>
                <PasswordInput label={t('fields.password')} required autoFocus name="password" autoComplete="new-password" {...form.getInputProps('password')} />
                <PasswordInput
                  label={t('fields.confirm_password')}
                  required
                  name="confirm_password"
                  autoComplete="new-password"
                  {...form.getInputProps('confirm_password')}
                />
              </Stack>
            </Stepper.Step>
          </Stepper>
          <FormError message={setup.message} />
          <Group justify="space-between">
            <Button variant="default" onClick={() => setActive(active - 1)} disabled={active === 0 || setup.busy}>
              {t('common.back')}
            </Button>
            <Button type="submit" loading={setup.busy} data-testid="setup-next">
              {active < 2 ? t('common.next') : t('setup.finish')}
            </Button>
          </Group>
        </Stack>
      </form>
    </AuthFrame>
  );
}
