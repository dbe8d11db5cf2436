import { describe, expect, it } from 'vitest';
import type { TFunction } from 'i18next';
import { ageBody, ageMonths, ageProblem, ageText, ageYears, birthDateProblem, changedFields, namesFromQuery, PATIENT_FIELDS, type Field } from './fields';

describe('birth date', () => {
  const today = '2026-03-02';
  it('accepts a real past day up to 130 years ago', () => {
    expect(birthDateProblem('1990-05-12', today)).toBeNull();
    expect(birthDateProblem(today, today)).toBeNull();
    expect(birthDateProblem('1896-03-02', today)).toBeNull();
  });
  it('refuses empty, malformed, future and too old dates', () => {
    expect(birthDateProblem('', today)).toBe('required');
    expect(birthDateProblem('1990-02-30', today)).toBe('invalid');
    expect(birthDateProblem('12/05/1990', today)).toBe('invalid');
    expect(birthDateProblem('2026-03-03', today)).toBe('future');
    expect(birthDateProblem('1896-03-01', today)).toBe('tooOld');
  });
  it('counts age in whole years', () => {
    expect(ageYears('1990-03-02', today)).toBe(36);
    expect(ageYears('1990-03-03', today)).toBe(35);
    expect(ageYears('2025-12-31', today)).toBe(0);
  });
});

describe('changedFields', () => {
  // every field blank, then these: a new field of the record needs no change here
  const blank = Object.fromEntries(PATIENT_FIELDS.map((f) => [f, ''])) as Record<Field, string>;
  const base = { ...blank, first_name: 'Amina', last_name: 'Wanjiru', date_of_birth: '1990-05-12', gender: 'female', contact_info: '0712', address: 'Moshi' };
  it('sends only what the user changed (so a re-applied edit keeps the other desk\'s fields)', () => {
    expect(changedFields(base, base)).toEqual({});
    expect(changedFields({ ...base, address: 'Arusha', first_name: ' Amina ' }, base)).toEqual({ address: 'Arusha' });
    expect(changedFields({ ...base, known_allergies: 'Penicillin' }, base)).toEqual({ known_allergies: 'Penicillin' });
    expect(changedFields({ ...base, national_id: '19900512-12345' }, base)).toEqual({ national_id: '19900512-12345' });
  });
});

describe('namesFromQuery', () => {
  it('starts a registration from what the search was given', () => {
    expect(namesFromQuery('  Amina   Wanjiru ')).toEqual({ first_name: 'Amina', last_name: 'Wanjiru' });
    expect(namesFromQuery('Amina Njeri Wanjiru')).toEqual({ first_name: 'Amina', last_name: 'Njeri Wanjiru' });
    expect(namesFromQuery('Zuhura')).toEqual({ first_name: 'Zuhura', last_name: '' });
    expect(namesFromQuery('0712 345 678')).toEqual({ contact_info: '0712 345 678' });
    expect(namesFromQuery('CHL-000123-7')).toEqual({});
    expect(namesFromQuery('12')).toEqual({});
    expect(namesFromQuery('')).toEqual({});
  });
});

describe('age', () => {
  const today = '2026-03-02';
  // t as the catalog would say it, in English.
  const t = ((key: string, o: { n: number }) =>
    ({ 'patients.age': `${o.n} years`, 'patients.ageMonths': `${o.n} months`, 'patients.ageAbout': `about ${o.n} years`, 'patients.ageAboutMonths': `about ${o.n} months` })[key]) as unknown as TFunction;
  it('counts completed months', () => {
    expect(ageMonths('2026-01-02', today)).toBe(2);
    expect(ageMonths('2026-01-03', today)).toBe(1);
    expect(ageMonths('2026-03-02', today)).toBe(0);
  });
  it('says months under two years, years after, "about" when estimated', () => {
    expect(ageText(t, { date_of_birth: '1990-03-02' }, today)).toBe('36 years');
    expect(ageText(t, { date_of_birth: '1992-03-02', birth_date_estimated: true }, today)).toBe('about 34 years');
    expect(ageText(t, { date_of_birth: '2025-07-02' }, today)).toBe('8 months');
    expect(ageText(t, { date_of_birth: '2025-07-02', birth_date_estimated: true }, today)).toBe('about 8 months');
    expect(ageText(t, { date_of_birth: '2024-03-02', birth_date_estimated: true }, today)).toBe('about 2 years');
  });
  it('checks an age given instead of a birth date', () => {
    expect(ageProblem('', '')).toEqual({ field: 'age_years', problem: 'required' });
    expect(ageProblem('34', '')).toBeNull();
    expect(ageProblem('', '8')).toBeNull();
    expect(ageProblem('1', '6')).toBeNull();
    expect(ageProblem('131', '')).toEqual({ field: 'age_years', problem: 'years' });
    expect(ageProblem('3.5', '')).toEqual({ field: 'age_years', problem: 'years' });
    expect(ageProblem('', '60')).toEqual({ field: 'age_months', problem: 'months' });
    expect(ageBody({ birth_date_unknown: true, age_years: ' 7 ', age_months: '' })).toEqual({ age_years: 7 });
    expect(ageBody({ birth_date_unknown: false, age_years: '7', age_months: '' })).toEqual({});
  });
});
