import { describe, expect, it } from 'vitest';
import type { ClinicSettings } from '../api/types';
import {
  SERVER_ZONE,
  changedFields,
  draftOf,
  expiryDaysProblem,
  rebase,
  settingsPatch,
  slotOptions,
  timeZoneOptions,
  valuesOf,
  withDraft,
} from './form';

const server: ClinicSettings = {
  clinic_name: 'Kliniki ya Majaribio',
  mrn_prefix: 'CHL',
  slot_minutes: 15,
  timezone: '',
  zone: 'Africa/Nairobi',
  currency: 'KES',
  date_format: 'DD/MM/YYYY',
  temperature_unit: 'C',
  weight_unit: 'kg',
  pharmacy_expiry_warning_days: 90,
  billing_auto_consultation: true,
  billing_consultation_code: 'CONSULT',
  billing_auto_dispense: true,
  report_age_bands: [0, 1, 5, 15, 25, 50],
  billing_auto_lab: true,
  lab_verification: false,
  version: 4,
};

describe('the settings form', () => {
  it('reads the server zone ("") as its own choice, and numbers as the inputs hold them', () => {
    const v = valuesOf(server);
    expect(v.timezone).toBe(SERVER_ZONE);
    expect(v.slot_minutes).toBe('15');
    expect(valuesOf({ ...server, timezone: 'Africa/Nairobi' }).timezone).toBe('Africa/Nairobi');
  });

  it('sends nothing when nothing changed (spaces around a name are no change)', () => {
    const base = valuesOf(server);
    expect(settingsPatch(base, { ...base }, 4)).toBeNull();
    expect(settingsPatch(base, { ...base, clinic_name: ' Kliniki ya Majaribio  ' }, 4)).toBeNull();
    expect(settingsPatch(base, { ...base, pharmacy_expiry_warning_days: '90' }, 4)).toBeNull();
  });

  it('sends only the changed fields, with the version, as the API types them', () => {
    const base = valuesOf(server);
    const typed = {
      ...base,
      clinic_name: '  Zahanati ya Amani ',
      temperature_unit: 'F',
      slot_minutes: '30',
      pharmacy_expiry_warning_days: '120',
      billing_auto_dispense: false,
      billing_consultation_code: 'a b',
    };
    expect(settingsPatch(base, typed, 4)).toEqual({
      version: 4,
      clinic_name: 'Zahanati ya Amani',
      temperature_unit: 'F',
      slot_minutes: 30,
      pharmacy_expiry_warning_days: 120,
      billing_auto_dispense: false,
      billing_consultation_code: 'a b',
    });
  });

  it('reads the age groups as typed, and sends them as numbers when they changed', () => {
    const base = valuesOf(server);
    expect(base.report_age_bands).toBe('0, 1, 5, 15, 25, 50');
    expect(settingsPatch(base, { ...base, report_age_bands: '0,1 5; 15, 25,50' }, 4)).toBeNull();
    expect(settingsPatch(base, { ...base, report_age_bands: '0, 5' }, 4)).toEqual({ version: 4, report_age_bands: [0, 5] });
  });

  it('sends the server zone as "" and a zone by its name', () => {
    const base = valuesOf({ ...server, timezone: 'Africa/Nairobi' });
    expect(settingsPatch(base, { ...base, timezone: SERVER_ZONE }, 7)).toEqual({ version: 7, timezone: '' });
    const local = valuesOf(server);
    expect(settingsPatch(local, { ...local, timezone: 'Africa/Dar_es_Salaam' }, 7)).toEqual({ version: 7, timezone: 'Africa/Dar_es_Salaam' });
  });

  it('an emptied number is a change (the server says what is wrong with it)', () => {
    const base = valuesOf(server);
    expect(changedFields(base, { ...base, pharmacy_expiry_warning_days: '' })).toEqual(['pharmacy_expiry_warning_days']);
  });

  it('keeps as a draft only what was changed, and puts it back over the values in effect', () => {
    const base = valuesOf(server);
    const draft = draftOf(base, { ...base, weight_unit: 'lb', billing_auto_consultation: false });
    expect(draft).toEqual({ weight_unit: 'lb', billing_auto_consultation: false });
    expect(draftOf(base, base)).toEqual({});
    // someone changed the clinic's name since: the draft does not put the old one back
    const now = valuesOf({ ...server, clinic_name: 'Zahanati ya Amani', version: 5 });
    const restored = withDraft(now, JSON.parse(JSON.stringify(draft)));
    expect(restored).toEqual({ ...now, weight_unit: 'lb', billing_auto_consultation: false });
    // unknown fields and values of the wrong type are ignored
    expect(withDraft(now, { slot_minutes: 30, nonsense: 'x', billing_auto_dispense: 'yes' })).toEqual(now);
    expect(withDraft(now, { pharmacy_expiry_warning_days: '12' }).pharmacy_expiry_warning_days).toBe('12');
    expect(withDraft(now, null)).toEqual(now);
  });

  it('after a stale refusal: the current values, with what was typed on top', () => {
    const base = valuesOf(server);
    const typed = { ...base, clinic_name: 'Zahanati ya Amani', temperature_unit: 'F' };
    const current = valuesOf({ ...server, temperature_unit: 'C', weight_unit: 'lb', clinic_name: 'Amani Health Centre', version: 6 });
    const r = rebase(base, typed, current);
    expect(r.values).toEqual({ ...current, clinic_name: 'Zahanati ya Amani', temperature_unit: 'F' });
    expect(r.theirs).toEqual(['clinic_name', 'weight_unit']);
    expect(r.conflicts).toEqual(['clinic_name']);
    // what they changed and is not typed here is not sent again
    expect(settingsPatch(current, r.values, 6)).toEqual({ version: 6, clinic_name: 'Zahanati ya Amani', temperature_unit: 'F' });
  });

  it('after a stale refusal: the same change made by both is no conflict', () => {
    const base = valuesOf(server);
    const typed = { ...base, temperature_unit: 'F' };
    const current = valuesOf({ ...server, temperature_unit: 'F', version: 5 });
    const r = rebase(base, typed, current);
    expect(r.conflicts).toEqual([]);
    expect(r.theirs).toEqual(['temperature_unit']);
    expect(settingsPatch(current, r.values, 5)).toBeNull();
  });

  it('offers the zones the browser knows, sorted, and the one in effect besides', () => {
    expect(timeZoneOptions(SERVER_ZONE, ['Europe/Paris', 'Africa/Nairobi'])).toEqual(['Africa/Nairobi', 'Europe/Paris']);
    expect(timeZoneOptions('Etc/UTC', ['Africa/Nairobi'])).toEqual(['Africa/Nairobi', 'Etc/UTC']);
    expect(timeZoneOptions(SERVER_ZONE).length).toBeGreaterThan(100);
  });

  it('offers the usual slot lengths, and an unusual one in effect', () => {
    expect(slotOptions('15')).toEqual([5, 10, 15, 20, 30, 45, 60, 90, 120]);
    expect(slotOptions('240')).toEqual([5, 10, 15, 20, 30, 45, 60, 90, 120, 240]);
  });

  it('checks the days before expiry as the server does', () => {
    expect(expiryDaysProblem(90)).toBeNull();
    expect(expiryDaysProblem('730')).toBeNull();
    expect(expiryDaysProblem('')).toBe('required');
    expect(expiryDaysProblem(0)).toBe('range');
    expect(expiryDaysProblem(731)).toBe('range');
    expect(expiryDaysProblem(1.5)).toBe('range');
  });
});
