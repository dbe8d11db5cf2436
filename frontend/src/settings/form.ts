// The settings form's logic: the form's values from the server's settings, the patch of what
// changed (sent with the version it was read at), a draft of what was typed, and the rebase
// after a stale-version refusal: the values in effect now, with what this administrator typed
// kept on top.
import type { ClinicSettings, SettingsChange } from '../api/types';

/** The slot lengths offered (minutes); the server accepts these and a few more. */
export const SLOT_MINUTES = [5, 10, 15, 20, 30, 45, 60, 90, 120] as const;
export const MIN_EXPIRY_DAYS = 1;
export const MAX_EXPIRY_DAYS = 730;
/** The form's value for "the server's own zone" (the API's empty timezone); no IANA zone has this name. */
export const SERVER_ZONE = 'server';

/** SettingsValues are the form's fields, named as the API names them. */
export interface SettingsValues {
  [key: string]: unknown;
  clinic_name: string;
  timezone: string;
  currency: string;
  date_format: string;
  slot_minutes: string;
  temperature_unit: string;
  weight_unit: string;
  pharmacy_expiry_warning_days: number | string;
  billing_auto_consultation: boolean;
  billing_consultation_code: string;
  billing_auto_dispense: boolean;
  report_age_bands: string;
  billing_auto_lab: boolean;
  lab_verification: boolean;
}

export type SettingsField =
  | 'clinic_name'
  | 'timezone'
  | 'currency'
  | 'date_format'
  | 'slot_minutes'
  | 'temperature_unit'
  | 'weight_unit'
  | 'pharmacy_expiry_warning_days'
  | 'billing_auto_consultation'
  | 'billing_consultation_code'
  | 'billing_auto_dispense'
  | 'report_age_bands'
  | 'billing_auto_lab'
  | 'lab_verification';

/** The fields in the form's order. */
export const SETTINGS_FIELDS: readonly SettingsField[] = [
  'clinic_name',
  'timezone',
  'currency',
  'date_format',
  'slot_minutes',
  'temperature_unit',
  'weight_unit',
  'pharmacy_expiry_warning_days',
  'billing_auto_consultation',
  'billing_consultation_code',
  'billing_auto_dispense',
  'report_age_bands',
  'billing_auto_lab',
  'lab_verification',
];

export function valuesOf(s: ClinicSettings): SettingsValues {
  return {
    clinic_name: s.clinic_name,
    timezone: s.timezone.trim() ? s.timezone : SERVER_ZONE,
    currency: s.currency,
    date_format: s.date_format,
    slot_minutes: String(s.slot_minutes),
    temperature_unit: s.temperature_unit,
    weight_unit: s.weight_unit,
    pharmacy_expiry_warning_days: s.pharmacy_expiry_warning_days,
    billing_auto_consultation: s.billing_auto_consultation,
    billing_consultation_code: s.billing_consultation_code,
    billing_auto_dispense: s.billing_auto_dispense,
    report_age_bands: s.report_age_bands.join(', '),
    billing_auto_lab: s.billing_auto_lab,
    lab_verification: s.lab_verification,
  };
}

/** apiValue is a field's value as the API takes it (trimmed text, numbers, "" for the server's zone). */
function apiValue(field: SettingsField, v: SettingsValues): string | number | boolean | number[] {
  switch (field) {
    case 'clinic_name':
    case 'billing_consultation_code':
      return v[field].trim();
    case 'currency':
      return v.currency.trim().toUpperCase();
    case 'timezone':
      return v.timezone === SERVER_ZONE ? '' : v.timezone.trim();
    case 'slot_minutes':
      return Number(v.slot_minutes);
    case 'pharmacy_expiry_warning_days': {
      const d = v.pharmacy_expiry_warning_days;
      return typeof d === 'number' ? d : d.trim() === '' ? NaN : Number(d);
    }
    case 'report_age_bands':
      return ageBands(v.report_age_bands);
    default:
      return v[field];
  }
}

/** ageBands reads the reports' age groups as typed ("0, 1, 5, 15"): their lower bounds in years. */
export function ageBands(typed: string): number[] {
  return typed
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** changedFields lists the fields whose value for the API differs between base and values. */
export function changedFields(base: SettingsValues, values: SettingsValues): SettingsField[] {
  return SETTINGS_FIELDS.filter((f) => !same(apiValue(f, base), apiValue(f, values)));
}

/** settingsPatch is the PATCH body: the version and only the fields that changed; null when none did. */
export function settingsPatch(base: SettingsValues, values: SettingsValues, version: number): SettingsChange | null {
  const fields = changedFields(base, values);
  if (fields.length === 0) return null;
  const body: Record<string, unknown> = { version };
  for (const f of fields) body[f] = apiValue(f, values);
  return body as SettingsChange;
}

/** draftOf is what to keep of the typed values: only the fields changed from base (empty: no draft). */
export function draftOf(base: SettingsValues, values: SettingsValues): Partial<SettingsValues> {
  const out: Partial<SettingsValues> = {};
  for (const f of changedFields(base, values)) out[f] = values[f] as never;
  return out;
}

/** withDraft puts a draft's fields (of known name and type) over the values in effect. */
export function withDraft(current: SettingsValues, draft: Record<string, unknown> | null): SettingsValues {
  const out = { ...current };
  if (!draft) return out;
  for (const f of SETTINGS_FIELDS) {
    if (!(f in draft)) continue;
    const v = draft[f];
    const want = typeof current[f];
    // the expiry days may be typed half-way (a string) while the server's is a number
    if (typeof v === want || (f === 'pharmacy_expiry_warning_days' && (typeof v === 'string' || typeof v === 'number'))) {
      (out as Record<string, unknown>)[f] = v;
    }
  }
  return out;
}

export interface Rebased {
  /** The form's new values: the current ones, with this administrator's changes on top. */
  values: SettingsValues;
  /** Fields someone else changed meanwhile (to show which). */
  theirs: SettingsField[];
  /** Of those, the ones this administrator changed too, to something else: theirs is overwritten if saved. */
  conflicts: SettingsField[];
}

/**
 * rebase answers a stale-version refusal: `base` is what the form was read from, `typed` what
 * is in it, `current` what the server has now. Nothing typed is lost; what was not touched
 * takes the current value.
 */
export function rebase(base: SettingsValues, typed: SettingsValues, current: SettingsValues): Rebased {
  const mine = new Set(changedFields(base, typed));
  const theirs = changedFields(base, current);
  const values = { ...current };
  for (const f of mine) (values as Record<string, unknown>)[f] = typed[f];
  const conflicts = theirs.filter((f) => mine.has(f) && !same(apiValue(f, typed), apiValue(f, current)));
  return { values, theirs, conflicts };
}

/** timeZoneOptions: the zones the browser knows, sorted, with the one in effect even if it does not know it. */
export function timeZoneOptions(current: string, known: readonly string[] = supportedZones()): string[] {
  const zones = new Set(known);
  if (current && current !== SERVER_ZONE) zones.add(current);
  return [...zones].sort();
}

function supportedZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** slotOptions: the usual lengths, with the one in effect even if it is not among them (set through the API). */
export function slotOptions(current: string): number[] {
  const n = Number(current);
  const all = new Set<number>(SLOT_MINUTES);
  if (Number.isInteger(n) && n > 0) all.add(n);
  return [...all].sort((a, b) => a - b);
}

/** expiryDaysProblem checks the days before expiry as the server does; null when fine. */
export function expiryDaysProblem(v: number | string): 'required' | 'range' | null {
  if (typeof v === 'string' && v.trim() === '') return 'required';
  const n = Number(v);
  if (!Number.isInteger(n) || n < MIN_EXPIRY_DAYS || n > MAX_EXPIRY_DAYS) return 'range';
  return null;
}
