// PatientRegisterModal (/patients/new): the registration form. While it is filled, likely
// duplicates (similar name and the same birth date, or the same phone) are looked up and shown
// with their record numbers; saving a new record anyway takes an explicit "This is a new
// patient". The draft survives a reload or a lost connection.
import { Alert, Anchor, Checkbox, List, Modal, Stack, Text } from '@mantine/core';
import { IconUsers } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { formatDate, clinicToday } from '../i18n/format';
import { ageBody, ageProblem, BLANK_AGE, BLANK_PATIENT, namesFromQuery, PatientFields, usePatientValidation, type AgeValues, type PatientValues } from './fields';
import { useDuplicates, useRegisterPatient } from './queries';
import type { Gender } from './PatientPicker';

type RegisterValues = PatientValues & AgeValues & { confirm_duplicate: boolean };

export function PatientRegisterModal() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const navigate = useNavigate();
  const today = clinicToday();
  const [confirmError, setConfirmError] = useState(false);
  // from a search that found nobody: what was typed is a good start
  const [params] = useSearchParams();
  const base = usePatientValidation(today);
  // With the birth date unknown, the age is checked instead of the date.
  const ageError = (field: 'age_years' | 'age_months') => (_: unknown, values: RegisterValues) => {
    if (!values.birth_date_unknown) return null;
    const p = ageProblem(values.age_years, values.age_months);
    return p && p.field === field ? t(`validation.age.${p.problem}`, { max: 130 }) : null;
  };
  const { form, restored, discardDraft } = usePersistentForm<RegisterValues>({
    id: 'patient-register',
    owner: user.id,
    initialValues: { ...BLANK_PATIENT, ...BLANK_AGE, ...namesFromQuery(params.get('q') ?? ''), confirm_duplicate: false },
    validate: {
      ...base,
      date_of_birth: (v: string, values: RegisterValues) => (values.birth_date_unknown ? null : base.date_of_birth(v)),
      age_years: ageError('age_years'),
      age_months: ageError('age_months'),
    },
  });
  const v = form.values;
  const dups = useDuplicates({ first_name: v.first_name, last_name: v.last_name, date_of_birth: v.date_of_birth, contact_info: v.contact_info });
  const likely = dups.data ?? [];
  const close = () => navigate('/patients');

  const register = useRegisterPatient({
    form,
    onSuccess: discardDraft,
    success: (p) => t('patients.registered', { name: `${p.first_name} ${p.last_name}`, id: p.unique_id }),
    close: (p) => navigate(`/patients/${p.id}`),
    onError: async (err) => {
      if (!(err instanceof ApiError && err.code === 'possible-duplicate')) return false;
      // someone registered a similar patient meanwhile: show them, ask again
      await dups.refetch();
      setConfirmError(true);
      return true;
    },
  });

  function submit(values: typeof form.values) {
    if (likely.length > 0 && !values.confirm_duplicate) {
      setConfirmError(true);
      return;
    }
    const { birth_date_unknown, age_years, age_months, ...demographics } = values;
    void register.submit({ ...demographics, gender: demographics.gender as Gender, ...ageBody({ birth_date_unknown, age_years, age_months }), date_of_birth: birth_date_unknown ? '' : values.date_of_birth });
  }

  return (
    <Modal opened onClose={close} title={t('patients.register')} size="lg">
      <form onSubmit={form.onSubmit(submit)} noValidate data-testid="patient-register-form">
        <Stack>
          <DraftNotice
            restored={restored}
            onDiscard={() => {
              discardDraft();
              form.reset();
            }}
          />
          <PatientFields form={form} today={today} byAge />
          {likely.length > 0 && (
            <Alert color="yellow" icon={<IconUsers size={18} />} title={t('patients.duplicatesTitle')} data-testid="duplicates">
              <Stack gap="xs">
                <Text size="sm">{t('patients.duplicatesText')}</Text>
                <List size="sm" spacing={4}>
                  {likely.map((p) => (
                    <List.Item key={p.id} data-unique-id={p.unique_id}>
                      <Anchor component={Link} to={`/patients/${p.id}`} fw={600}>
                        {p.first_name} {p.last_name}
                      </Anchor>{' '}
                      <Text span ff="monospace">
                        {p.unique_id}
                      </Text>{' '}
                      · {t('patients.born', { date: formatDate(p.date_of_birth, i18n.language) })}
                      {p.contact_info ? ` · ${p.contact_info}` : ''}
                    </List.Item>
                  ))}
                </List>
                <Checkbox
                  label={t('patients.confirmNew')}
                  name="confirm_duplicate"
                  {...form.getInputProps('confirm_duplicate', { type: 'checkbox' })}
                  error={confirmError && !v.confirm_duplicate ? t('patients.confirmNewRequired') : undefined}
                />
              </Stack>
            </Alert>
          )}
          <FormError message={register.message} />
          <FormButtons busy={register.busy} onCancel={close} label={t('patients.registerSubmit')} />
        </Stack>
      </form>
    </Modal>
  );
}
