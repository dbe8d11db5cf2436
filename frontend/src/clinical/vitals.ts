// Vitals in the clinic's units: the server stores °C and kg, a clinic may work in °F and lb.
// What a nurse types is sent as typed (in the clinic's units, the server converts); what is
// shown is converted back from the stored values. Also the form's parsing and the flags.
import type { Schemas } from '../api';

export type VitalsRecord = Schemas['VitalsRecord'];
export type VitalsFlag = Schemas['Flag'];
export type VitalsInput = Schemas['VitalsInput'];

export type TemperatureUnit = 'C' | 'F';
export type WeightUnit = 'kg' | 'lb';
export interface ClinicUnits {
  temperature: TemperatureUnit;
  weight: WeightUnit;
}

export const DEFAULT_UNITS: ClinicUnits = { temperature: 'C', weight: 'kg' };

const KG_PER_LB = 0.45359237;

/** clinicUnits reads the server's units, anything unknown being the default (°C, kg). */
export function clinicUnits(u: { temperature?: string; weight?: string } | undefined | null): ClinicUnits {
  return { temperature: u?.temperature === 'F' ? 'F' : 'C', weight: u?.weight === 'lb' ? 'lb' : 'kg' };
}

export function round(v: number, places = 1): number {
  const p = 10 ** places;
  return Math.round(v * p) / p;
}

/** displayTemperature converts a stored °C value to the clinic's unit (one decimal). */
export function displayTemperature(celsius: number, unit: TemperatureUnit): number {
  return unit === 'F' ? round((celsius * 9) / 5 + 32) : round(celsius);
}

/** displayWeight converts a stored kg value to the clinic's unit (one decimal). */
export function displayWeight(kg: number, unit: WeightUnit): number {
  return unit === 'lb' ? round(kg / KG_PER_LB) : round(kg);
}

export const TEMPERATURE_SYMBOL: Record<TemperatureUnit, string> = { C: '°C', F: '°F' };

/** The fields of a reading, in the order of the form and the table. A nurse records what she
 * measured: any of them, at least one; a blood pressure is both pressures. */
export const VITALS_FIELDS = ['systolic_bp', 'diastolic_bp', 'heart_rate', 'respiratory_rate', 'temperature', 'oxygen_saturation', 'height', 'weight'] as const;
export type VitalsField = (typeof VITALS_FIELDS)[number];
const INTEGER_FIELDS: readonly VitalsField[] = ['systolic_bp', 'diastolic_bp', 'heart_rate', 'respiratory_rate'];

/** The form's values: text as typed (a draft keeps it as is). */
export type VitalsFormValues = Record<VitalsField, string>;

export const EMPTY_VITALS: VitalsFormValues = {
  systolic_bp: '',
  diastolic_bp: '',
  heart_rate: '',
  respiratory_rate: '',
  temperature: '',
  oxygen_saturation: '',
  height: '',
  weight: '',
};

/** parseNumber reads a typed number, with a decimal point or comma; NaN when it is not one. */
export function parseNumber(text: string): number {
  const s = text.trim().replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(s) && !/^-?\.\d+$/.test(s)) return Number.NaN;
  return Number(s);
}

/** 'none': nothing typed at all (said on the first field); 'pair': one pressure without the other. */
export type VitalsProblem = 'none' | 'pair' | 'number' | 'integer';

/** checkVitals finds what is not a number, a lone pressure, or an empty reading (the limits are the server's to check). */
export function checkVitals(v: VitalsFormValues): Partial<Record<VitalsField, VitalsProblem>> {
  const out: Partial<Record<VitalsField, VitalsProblem>> = {};
  if (VITALS_FIELDS.every((f) => !v[f].trim())) return { [VITALS_FIELDS[0]]: 'none' };
  for (const f of VITALS_FIELDS) {
    const text = v[f].trim();
    if (!text) continue;
    const n = parseNumber(text);
    if (Number.isNaN(n)) out[f] = 'number';
    else if (INTEGER_FIELDS.includes(f) && !Number.isInteger(n)) out[f] = 'integer';
  }
  const sys = v.systolic_bp.trim(), dia = v.diastolic_bp.trim();
  if (sys && !dia) out.diastolic_bp ??= 'pair';
  if (dia && !sys) out.systolic_bp ??= 'pair';
  return out;
}

/** vitalsBody is the request of a checked form: numbers in the clinic's units, what was not measured null (height and weight left out). */
export function vitalsBody(v: VitalsFormValues): VitalsInput {
  const num = (f: VitalsField) => (v[f].trim() ? parseNumber(v[f]) : null);
  const body: VitalsInput = {
    systolic_bp: num('systolic_bp'),
    diastolic_bp: num('diastolic_bp'),
    heart_rate: num('heart_rate'),
    respiratory_rate: num('respiratory_rate'),
    temperature: num('temperature'),
    oxygen_saturation: num('oxygen_saturation'),
  };
  if (v.height.trim()) body.height = num('height');
  if (v.weight.trim()) body.weight = num('weight');
  return body;
}

// The server's physiological limits of the two fields typed in the clinic's units: its
// message names °C and kg, which a nurse typing °F or lb should not have to convert.
const CANONICAL_LIMITS = { temperature: [30, 45], weight: [0.3, 400] } as const;

/** unitLimits is the accepted range of temperature or weight in the clinic's unit. */
export function unitLimits(field: 'temperature' | 'weight', units: ClinicUnits): [number, number] {
  const [lo, hi] = CANONICAL_LIMITS[field];
  if (field === 'temperature') return [Math.ceil(displayTemperature(lo, units.temperature)), Math.floor(displayTemperature(hi, units.temperature))];
  return [displayWeight(lo, units.weight), Math.floor(displayWeight(hi, units.weight))];
}

/** flagOf is the flag of a field of a reading, if it is outside the normal range for the patient's age. */
export function flagOf(flags: readonly VitalsFlag[] | undefined, field: string): VitalsFlag | undefined {
  return flags?.find((f) => f.field === field);
}

/** flagLevel is 'high', 'low' or undefined, whatever else the server might send. */
export function flagLevel(flag: VitalsFlag | undefined): 'high' | 'low' | undefined {
  return flag?.level === 'high' ? 'high' : flag?.level === 'low' ? 'low' : undefined;
}

/** The displayed values of a reading, in the clinic's units; null where nothing was measured. */
export interface DisplayVitals {
  systolic_bp: number | null;
  diastolic_bp: number | null;
  heart_rate: number | null;
  respiratory_rate: number | null;
  temperature: number | null;
  oxygen_saturation: number | null;
  height: number | null;
  weight: number | null;
  bmi: number | null;
}

export function displayVitals(r: VitalsRecord, units: ClinicUnits): DisplayVitals {
  return {
    systolic_bp: r.systolic_bp,
    diastolic_bp: r.diastolic_bp,
    heart_rate: r.heart_rate,
    respiratory_rate: r.respiratory_rate,
    temperature: r.temperature == null ? null : displayTemperature(r.temperature, units.temperature),
    oxygen_saturation: r.oxygen_saturation,
    height: r.height,
    weight: r.weight == null ? null : displayWeight(r.weight, units.weight),
    bmi: r.bmi,
  };
}

/** A point of the trend charts: one reading, its time as milliseconds, values in the clinic's units. */
export interface TrendPoint extends DisplayVitals {
  at: number;
  label: string;
}

export function trendPoints(items: readonly VitalsRecord[], units: ClinicUnits, label: (iso: string) => string): TrendPoint[] {
  return items.map((r) => ({ ...displayVitals(r, units), at: new Date(r.recorded_at).getTime(), label: label(r.recorded_at) }));
}
