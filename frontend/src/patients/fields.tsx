// The patient's fields, shared by the register and edit forms, and their checks in the
// browser (the server checks them again and answers beside the fields).
import { Checkbox, NativeSelect, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../i18n/format';
import { limits } from '../api/limits';
import type { Patient } from '../api/types';
import { isIsoDate } from '../appointments/schedule';
import { GENDERS } from './PatientPicker';
import { DateField } from '../forms/DateField';

export interface PatientValues {
  [key: string]: unknown;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  gender: string;
  contact_info: string;
  address: string;
  known_allergies: string;
  national_id: string;
}

export const PATIENT_FIELDS = ['first_name', 'last_name', 'date_of_birth', 'gender', 'contact_info', 'address', 'known_allergies', 'national_id'] as const;

export type Field = (typeof PATIENT_FIELDS)[number];

/** changedFields: the fields whose value differs from the version they were edited on. */
export function changedFields(values: Record<Field, string>, base: Record<Field, string>): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const f of PATIENT_FIELDS) if (values[f].trim() !== base[f].trim()) out[f] = values[f];
  return out;
}

export function pickFields(p: Patient): Record<Field, string> {
  return Object.fromEntries(PATIENT_FIELDS.map((f) => [f, p[f] ?? ''])) as Record<Field, string>;
}

export const BLANK_PATIENT: PatientValues = {
  first_name: '',
  last_name: '',
  date_of_birth: '',
  gender: 'unknown',
  contact_info: '',
  address: '',
  known_allergies: '',
  national_id: '',
};

/** The server's limits, in characters (and years), from its OpenAPI document. */
export const NAME_MAX = limits.RegisterParams.first_name.maxLength;
export const CONTACT_MAX = limits.RegisterParams.contact_info.maxLength;
export const ALLERGIES_MAX = limits.RegisterParams.known_allergies.maxLength;
export const MAX_AGE_YEARS = limits.RegisterParams.age_years.maximum;

/**
 * namesFromQuery: a search that found nobody, as the start of a registration: "Amina Wanjiru"
 * gives the first and last names, a phone number the contact; a record number gives nothing.
 */
export function namesFromQuery(q: string): Partial<PatientValues> {
  const text = q.trim().replace(/\s+/g, ' ');
  if (!text) return {};
  if (/^[\d\s+()-]+$/.test(text)) return text.replace(/\D/g, '').length >= 6 ? { contact_info: text } : {};
  if (/\d/.test(text)) return {}; // a record number
  const [first, ...rest] = text.split(' ');
  return { first_name: first!, last_name: rest.join(' ') };
}

export type BirthDateProblem = 'required' | 'invalid' | 'future' | 'tooOld';

/** birthDateProblem: a birth date is a real day, not in the future, not over 130 years ago. */
export function birthDateProblem(v: string, today: string): BirthDateProblem | null {
  if (!v) return 'required';
  if (!isIsoDate(v)) return 'invalid';
  if (v > today) return 'future';
  const [y, m, d] = today.split('-');
  if (v < `${String(Number(y) - MAX_AGE_YEARS).padStart(4, '0')}-${m}-${d}`) return 'tooOld';
  return null;
}

/** ageYears on a given day (both YYYY-MM-DD). */
export function ageYears(dob: string, today: string): number {
  const [y1, m1, d1] = dob.split('-').map(Number);
  const [y2, m2, d2] = today.split('-').map(Number);
  let age = y2! - y1!;
  if (m2! < m1! || (m2 === m1 && d2! < d1!)) age--;
  return age;
}

/** ageMonths: completed months on a given day (both YYYY-MM-DD). */
export function ageMonths(dob: string, today: string): number {
  const [y1, m1, d1] = dob.split('-').map(Number);
  const [y2, m2, d2] = today.split('-').map(Number);
  let months = (y2! - y1!) * 12 + m2! - m1!;
  if (d2! < d1!) months--;
  return Math.max(months, 0);
}

/**
 * ageText: a patient's age on a day as the chart says it: months under two years, years after,
 * and "about" when the birth date was estimated from an age given at registration.
 */
export function ageText(t: TFunction, p: { date_of_birth: string; birth_date_estimated?: boolean }, today: string): string {
  const months = ageMonths(p.date_of_birth, today);
  const about = p.birth_date_estimated === true;
  if (months < 24) return t(about ? 'patients.ageAboutMonths' : 'patients.ageMonths', { n: months });
  return t(about ? 'patients.ageAbout' : 'patients.age', { n: Math.floor(months / 12) });
}

/** bornText: "born 2 March 1990", or "born about 1990" when the date was estimated. */
export function bornText(t: TFunction, p: { date_of_birth: string; birth_date_estimated?: boolean }, formatted: string): string {
  return p.birth_date_estimated ? t('patients.bornAbout', { year: p.date_of_birth.slice(0, 4) }) : t('patients.born', { date: formatted });
}

/** The registration's age, when the birth date is unknown: form text as typed. */
export interface AgeValues {
  birth_date_unknown: boolean;
  age_years: string;
  age_months: string;
}

export const BLANK_AGE: AgeValues = { birth_date_unknown: false, age_years: '', age_months: '' };

export type AgeProblem = 'required' | 'years' | 'months';

/** ageProblem: an age is years (0-130) and/or months (0-59), whole numbers, one of them at least. */
export function ageProblem(years: string, months: string): { field: 'age_years' | 'age_months'; problem: AgeProblem } | null {
  const y = years.trim(), m = months.trim();
  if (!y && !m) return { field: 'age_years', problem: 'required' };
  if (y && (!/^\d+$/.test(y) || Number(y) > MAX_AGE_YEARS)) return { field: 'age_years', problem: 'years' };
  if (m && (!/^\d+$/.test(m) || Number(m) > 59)) return { field: 'age_months', problem: 'months' };
  return null;
}

/** ageBody: the registration's age fields for the server, or none when a birth date is given. */
export function ageBody(v: AgeValues): { age_years?: number; age_months?: number } {
  if (!v.birth_date_unknown) return {};
  const out: { age_years?: number; age_months?: number } = {};
  if (v.age_years.trim()) out.age_years = Number(v.age_years.trim());
  if (v.age_months.trim()) out.age_months = Number(v.age_months.trim());
  return out;
}

export function usePatientValidation(today: string) {
  const { t } = useTranslation();
  const chars = (v: string) => [...v.trim()].length;
  const name = (v: string) => (!v.trim() ? t('validation.required') : chars(v) > NAME_MAX ? t('validation.tooLong', { max: NAME_MAX }) : null);
  const text = (max: number) => (v: string) => (chars(v) > max ? t('validation.tooLong', { max }) : null);
  return {
    first_name: name,
    last_name: name,
    date_of_birth: (v: string) => {
      const p = birthDateProblem(v, today);
      return p ? t(`validation.birth.${p}`, { years: MAX_AGE_YEARS }) : null;
    },
    contact_info: text(CONTACT_MAX),
    address: text(CONTACT_MAX),
    known_allergies: text(ALLERGIES_MAX),
    national_id: text(limits.RegisterParams.national_id.maxLength),
  };
}

/**
 * PatientFields: the demographics. With byAge (registration), a "birth date unknown" box
 * swaps the date for an age in years or months, from which the server estimates the date.
 */
export function PatientFields<T extends PatientValues>({ form, today, autoFocus = true, byAge = false }: { form: UseFormReturnType<T>; today: string; autoFocus?: boolean; byAge?: boolean }) {
  const { t, i18n } = useTranslation();
  const unknown = byAge && form.values.birth_date_unknown === true;
  const born = String(form.values.date_of_birth ?? '');
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label={t('fields.first_name')} required data-autofocus={autoFocus || undefined} name="first_name" autoComplete="off" {...form.getInputProps('first_name')} />
        <TextInput label={t('fields.last_name')} required name="last_name" autoComplete="off" {...form.getInputProps('last_name')} />
        {unknown ? (
          <SimpleGrid cols={2} spacing="xs">
            <TextInput label={t('fields.age_years')} name="age_years" inputMode="numeric" autoComplete="off" {...form.getInputProps('age_years')} />
            <TextInput label={t('fields.age_months')} name="age_months" inputMode="numeric" autoComplete="off" {...form.getInputProps('age_months')} />
          </SimpleGrid>
        ) : (
          <DateField
            label={t('fields.date_of_birth')}
            // the date in words, in the user's language, under the typed one
            description={/^\d{4}-\d{2}-\d{2}$/.test(born) ? formatDate(born, i18n.language) : undefined}
            inputWrapperOrder={['label', 'input', 'description', 'error']}
            required
            name="date_of_birth"
            max={today}
            {...form.getInputProps('date_of_birth')}
          />
        )}
        <NativeSelect
          label={t('fields.gender')}
          name="gender"
          data={GENDERS.map((g) => ({ value: g, label: t(`gender.${g}`) }))}
          {...form.getInputProps('gender')}
        />
        <TextInput label={t('fields.contact_info')} description={t('patients.contactHint')} name="contact_info" autoComplete="off" {...form.getInputProps('contact_info')} />
        <TextInput label={t('fields.address')} name="address" autoComplete="off" {...form.getInputProps('address')} />
        <TextInput label={t('fields.national_id')} name="national_id" autoComplete="off" maxLength={limits.RegisterParams.national_id.maxLength} {...form.getInputProps('national_id')} />
      </SimpleGrid>
      {byAge && (
        <Checkbox
          label={t('patients.birthDateUnknown')}
          description={unknown ? t('patients.ageHint') : undefined}
          name="birth_date_unknown"
          data-testid="birth-date-unknown"
          {...form.getInputProps('birth_date_unknown', { type: 'checkbox' })}
        />
      )}
      <Textarea
        label={t('fields.known_allergies')}
        description={t('patients.allergiesHint')}
        name="known_allergies"
        autosize
        minRows={2}
        {...form.getInputProps('known_allergies')}
      />
    </Stack>
  );
}
