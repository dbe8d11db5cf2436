import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { allergyWarnings } from './allergy';
import { draftConflict, idleState, notesBlocked, pendingEdit, sameTexts } from './autosave';
import {
  checkVitals,
  clinicUnits,
  displayTemperature,
  displayVitals,
  displayWeight,
  EMPTY_VITALS,
  flagLevel,
  flagOf,
  parseNumber,
  trendPoints,
  unitLimits,
  vitalsBody,
  type VitalsRecord,
} from './vitals';

const reading: VitalsRecord = {
  id: 1,
  encounter_id: 2,
  patient_id: 3,
  systolic_bp: 165,
  diastolic_bp: 82,
  heart_rate: 72,
  respiratory_rate: 16,
  temperature: 37,
  oxygen_saturation: 98,
  height: 170,
  weight: 65,
  bmi: 22.5,
  flags: [{ field: 'systolic_bp', level: 'high', message: 'Above the normal adult range (90-140 mmHg).' }],
  recorded_at: '2026-11-27T08:30:00Z',
  recorded_by: 4,
  recorded_by_name: 'Rehema Juma',
  version: 1,
};

describe('units', () => {
  it('reads the server units, anything else being °C and kg', () => {
    expect(clinicUnits({ temperature: 'F', weight: 'lb' })).toEqual({ temperature: 'F', weight: 'lb' });
    expect(clinicUnits({ temperature: 'K', weight: '' })).toEqual({ temperature: 'C', weight: 'kg' });
    expect(clinicUnits(undefined)).toEqual({ temperature: 'C', weight: 'kg' });
  });

  it('converts stored °C and kg for display, one decimal', () => {
    expect(displayTemperature(37, 'F')).toBe(98.6);
    expect(displayTemperature(36.84, 'C')).toBe(36.8);
    expect(displayTemperature(40, 'F')).toBe(104);
    expect(displayWeight(65, 'lb')).toBe(143.3);
    expect(displayWeight(65, 'kg')).toBe(65);
  });

  it('shows a reading in the clinic units, height and BMI as they are', () => {
    const d = displayVitals(reading, { temperature: 'F', weight: 'lb' });
    expect(d).toMatchObject({ temperature: 98.6, weight: 143.3, height: 170, bmi: 22.5, systolic_bp: 165 });
    expect(displayVitals({ ...reading, weight: null, bmi: null }, { temperature: 'C', weight: 'kg' }).weight).toBeNull();
  });

  it('gives the accepted range in the clinic unit', () => {
    expect(unitLimits('temperature', { temperature: 'C', weight: 'kg' })).toEqual([30, 45]);
    expect(unitLimits('temperature', { temperature: 'F', weight: 'kg' })).toEqual([86, 113]);
    expect(unitLimits('weight', { temperature: 'C', weight: 'lb' })).toEqual([0.7, 881]);
  });

  it('makes trend points oldest first as given, with times', () => {
    const pts = trendPoints([reading, { ...reading, id: 9, recorded_at: '2026-11-28T08:30:00Z', temperature: 38 }], { temperature: 'C', weight: 'kg' }, (s) => s.slice(0, 10));
    expect(pts.map((p) => [p.label, p.temperature])).toEqual([
      ['2026-11-27', 37],
      ['2026-11-28', 38],
    ]);
    expect(pts[0]!.at).toBe(Date.parse('2026-11-27T08:30:00Z'));
  });
});

describe('the vitals form', () => {
  it('reads numbers with a point or a comma', () => {
    expect(parseNumber('36.8')).toBe(36.8);
    expect(parseNumber(' 36,8 ')).toBe(36.8);
    expect(parseNumber('120')).toBe(120);
    expect(parseNumber('12a')).toBeNaN();
    expect(parseNumber('')).toBeNaN();
  });

  it('asks for numbers, whole numbers where they must be, both pressures, and one measure at least', () => {
    const v = { ...EMPTY_VITALS, systolic_bp: '120', diastolic_bp: 'eighty', heart_rate: '72.5', respiratory_rate: '16', temperature: '36,8' };
    expect(checkVitals(v)).toEqual({ diastolic_bp: 'number', heart_rate: 'integer' });
    expect(checkVitals({ ...v, diastolic_bp: '80', heart_rate: '72', oxygen_saturation: '98', weight: 'x' })).toEqual({ weight: 'number' });
    expect(checkVitals(EMPTY_VITALS)).toEqual({ systolic_bp: 'none' });
    expect(checkVitals({ ...EMPTY_VITALS, temperature: '37.9' })).toEqual({});
    expect(checkVitals({ ...EMPTY_VITALS, weight: '12.5' })).toEqual({});
    expect(checkVitals({ ...EMPTY_VITALS, systolic_bp: '110' })).toEqual({ diastolic_bp: 'pair' });
  });

  it('sends a temperature alone with the rest null', () => {
    expect(vitalsBody({ ...EMPTY_VITALS, temperature: '37,2' })).toEqual({
      systolic_bp: null,
      diastolic_bp: null,
      heart_rate: null,
      respiratory_rate: null,
      temperature: 37.2,
      oxygen_saturation: null,
    });
  });

  it('sends numbers as typed, leaving out empty height and weight', () => {
    const v = { ...EMPTY_VITALS, systolic_bp: '120', diastolic_bp: '80', heart_rate: '72', respiratory_rate: '16', temperature: '98,6', oxygen_saturation: '98', weight: '143.3' };
    expect(vitalsBody(v)).toEqual({ systolic_bp: 120, diastolic_bp: 80, heart_rate: 72, respiratory_rate: 16, temperature: 98.6, oxygen_saturation: 98, weight: 143.3 });
    expect('height' in vitalsBody(v)).toBe(false);
    expect('bmi' in vitalsBody(v)).toBe(false);
  });

  it('finds a field flag and its level', () => {
    expect(flagLevel(flagOf(reading.flags, 'systolic_bp'))).toBe('high');
    expect(flagOf(reading.flags, 'heart_rate')).toBeUndefined();
    expect(flagLevel({ field: 'x', level: 'odd', message: '' })).toBeUndefined();
  });
});

describe('the notes autosave', () => {
  const saved = { notes: 'Fever', diagnosis: '', version: 3 };

  it('sends only what changed, trimmed the way the server compares', () => {
    expect(pendingEdit(saved, { notes: 'Fever ', diagnosis: '', base_version: 3 })).toBeNull();
    expect(pendingEdit(saved, { notes: 'Fever, chills', diagnosis: '', base_version: 3 })).toEqual({ notes: 'Fever, chills' });
    expect(pendingEdit(saved, { notes: 'Fever', diagnosis: 'Malaria', base_version: 3 })).toEqual({ diagnosis: 'Malaria' });
    expect(pendingEdit({ ...saved, diagnosis: 'Malaria' }, { notes: 'Fever', diagnosis: ' ', base_version: 3 })).toEqual({ diagnosis: ' ' });
  });

  it('never sends emptied notes, and says so', () => {
    const typed = { notes: '  ', diagnosis: 'Malaria', base_version: 3 };
    expect(pendingEdit(saved, typed)).toEqual({ diagnosis: 'Malaria' });
    expect(notesBlocked(saved, typed)).toBe(true);
    expect(idleState(saved, { ...typed, diagnosis: '' })).toBe('blocked');
    // a triage encounter has no notes yet: empty is not "emptied"
    expect(notesBlocked({ notes: '', diagnosis: '', version: 1 }, { notes: '', diagnosis: '', base_version: 1 })).toBe(false);
  });

  it('is saved, or pending', () => {
    expect(idleState(saved, { notes: 'Fever', diagnosis: '', base_version: 3 })).toBe('saved');
    expect(idleState(saved, { notes: 'Fever!', diagnosis: '', base_version: 3 })).toBe('pending');
    expect(sameTexts(saved, { notes: ' Fever', diagnosis: '', base_version: 1 })).toBe(true);
  });

  it('sees a draft typed on an older version that differs as a conflict', () => {
    expect(draftConflict(saved, { notes: 'Fever and cough', diagnosis: '', base_version: 2 })).toBe(true);
    expect(draftConflict(saved, { notes: 'Fever and cough', diagnosis: '', base_version: 3 })).toBe(false);
    expect(draftConflict(saved, { notes: 'Fever', diagnosis: '', base_version: 2 })).toBe(false);
    expect(draftConflict(saved, { notes: 'Fever and cough', diagnosis: '', base_version: 0 })).toBe(false);
  });
});

describe('the allergy warning', () => {
  const problem = {
    type: 'https://chelal.example/problems/allergy-warning',
    title: 'Conflict',
    status: 409,
    detail: 'This medication matches the patient\'s known allergies: x. Confirm with a reason to prescribe it anyway.',
  };

  it('lists the warnings of the problem details', () => {
    const body = { ...problem, details: { warnings: ['Phenoxymethylpenicillin matches the allergy "Penicillin".', ''] } };
    expect(allergyWarnings(new ApiError(409, body), body)).toEqual(['Phenoxymethylpenicillin matches the allergy "Penicillin".']);
  });

  it('falls back to the detail when the details are missing or odd', () => {
    expect(allergyWarnings(new ApiError(409, problem), { ...problem, details: { warnings: 'x' } })).toEqual([problem.detail]);
  });

  it('is null for any other problem', () => {
    const stale = { ...problem, type: 'https://chelal.example/problems/stale-version' };
    expect(allergyWarnings(new ApiError(409, stale), stale)).toBeNull();
    expect(allergyWarnings(new Error('x'), null)).toBeNull();
  });
});
