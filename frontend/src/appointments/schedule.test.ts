import { afterEach, describe, expect, it } from 'vitest';
import type { Appointment } from '../api/types';
import { setClinicFormat } from '../i18n/format';
import {
  addDays,
  buildDayGrid,
  buildWeekGrid,
  firstFreeSlot,
  isIsoDate,
  isPast,
  legalMoves,
  slotOf,
  slotTimes,
  takenSlots,
  waitMinutes,
  weekOf,
} from './schedule';

function appt(over: Partial<Appointment>): Appointment {
  return {
    id: 1, patient_id: 1, patient_name: 'Amina Juma', patient_unique_id: 'CHL-000001-1', doctor_id: 10, doctor_name: 'Dr A',
    date: '2026-03-02', time: '09:00', status: 'scheduled', reason: '', cancel_reason: '', checked_in_at: null,
    created_at: '', updated_at: '', version: 1, ...over,
  };
}

describe('slots', () => {
  it('has 40 slots of 15 minutes from 08:00 to 17:45', () => {
    const s = slotTimes();
    expect(s).toHaveLength(40);
    expect(s[0]).toBe('08:00');
    expect(s[1]).toBe('08:15');
    expect(s.at(-1)).toBe('17:45');
    expect(slotTimes(8 * 60, 9 * 60, 30)).toEqual(['08:00', '08:30']);
  });

  it('puts a time in its slot', () => {
    expect(slotOf('10:07')).toBe('10:00');
    expect(slotOf('10:15')).toBe('10:15');
    expect(slotOf('10:59:59')).toBe('10:45');
  });
});

describe('buildDayGrid', () => {
  const times = slotTimes();
  it('places appointments by doctor and slot and tells free slots', () => {
    const list = [
      appt({ id: 1, doctor_id: 10, time: '09:00' }),
      appt({ id: 2, doctor_id: 11, time: '09:00', status: 'cancelled' }),
      appt({ id: 3, doctor_id: 11, time: '10:07', status: 'checked_in' }), // a walk-in
      appt({ id: 4, doctor_id: 10, time: '07:30' }),
      appt({ id: 5, doctor_id: 99, time: '09:00' }), // a doctor not shown
    ];
    const g = buildDayGrid(times, [10, 11], list);
    expect(g.rows).toHaveLength(40);
    const nine = g.rows.find((r) => r.time === '09:00')!;
    expect(nine.cells.map((c) => c.doctorId)).toEqual([10, 11]);
    expect(nine.cells[0]!.appointments.map((a) => a.id)).toEqual([1]);
    expect(nine.cells[0]!.free).toBe(false);
    expect(nine.cells[1]!.appointments.map((a) => a.id)).toEqual([2]);
    expect(nine.cells[1]!.free).toBe(true); // cancelled frees the slot
    const ten = g.rows.find((r) => r.time === '10:00')!;
    expect(ten.cells[1]!.appointments.map((a) => a.id)).toEqual([3]);
    expect(ten.cells[1]!.free).toBe(true); // 10:07 is not the 10:00 slot
    expect(g.outside.map((a) => a.id)).toEqual([4]);
  });

  it('builds a week for one doctor with days as columns', () => {
    const days = weekOf('2026-03-04');
    const g = buildWeekGrid(times, days, [appt({ id: 7, date: '2026-03-05', time: '08:15' }), appt({ id: 8, date: '2026-03-20' })]);
    const row = g.rows.find((r) => r.time === '08:15')!;
    expect(row.cells.map((c) => c.date)).toEqual(days);
    expect(row.cells[3]!.appointments.map((a) => a.id)).toEqual([7]);
    expect(row.cells[3]!.appointments[0]!.doctor_id).toBe(10); // the real appointment, not the column trick
    expect(row.cells[3]!.free).toBe(false);
    expect(g.rows.flatMap((r) => r.cells.flatMap((c) => c.appointments)).length).toBe(1);
  });
});

describe('moves', () => {
  it('follows the server table', () => {
    expect(legalMoves('scheduled')).toEqual(['checked_in', 'cancelled', 'no_show']);
    expect(legalMoves('checked_in')).toEqual(['in_progress', 'cancelled', 'no_show']);
    expect(legalMoves('in_progress')).toEqual(['completed']);
    for (const end of ['completed', 'cancelled', 'no_show', 'unknown']) expect(legalMoves(end)).toEqual([]);
  });
});

describe('dates', () => {
  it('adds days across months and years', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
  it('starts weeks on Monday', () => {
    const w = weekOf('2026-03-08'); // a Sunday
    expect(w[0]).toBe('2026-03-02');
    expect(w[6]).toBe('2026-03-08');
    expect(weekOf('2026-03-02')[0]).toBe('2026-03-02');
  });
  it('checks ISO dates', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('tomorrow')).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });
});

describe('firstFreeSlot', () => {
  const now = new Date(2026, 2, 2, 9, 5); // Monday 09:05
  it('skips past and taken slots', () => {
    expect(firstFreeSlot(new Set(), now)).toEqual({ date: '2026-03-02', time: '09:15' });
    expect(firstFreeSlot(new Set(['2026-03-02 09:15', '2026-03-02 09:30']), now)).toEqual({ date: '2026-03-02', time: '09:45' });
  });
  it('goes on to the next day after hours', () => {
    expect(firstFreeSlot(new Set(), new Date(2026, 2, 2, 17, 50))).toEqual({ date: '2026-03-03', time: '08:00' });
    expect(firstFreeSlot(new Set(slotTimes().map((t) => `2026-03-03 ${t}`)), new Date(2026, 2, 2, 18, 0))).toEqual({ date: '2026-03-04', time: '08:00' });
  });
  it('gives up after the days given', () => {
    const all = new Set(slotTimes().flatMap((t) => [`2026-03-02 ${t}`, `2026-03-03 ${t}`]));
    expect(firstFreeSlot(all, new Date(2026, 2, 2, 7, 0), 2)).toBeNull();
  });
  it('takes the taken slots from appointments, cancelled ones left out', () => {
    const s = takenSlots([appt({ time: '09:15' }), appt({ time: '09:30', status: 'cancelled' }), appt({ time: '09:45', status: 'no_show' })]);
    expect([...s].sort()).toEqual(['2026-03-02 09:15', '2026-03-02 09:45']);
  });
  it('tells past slots', () => {
    expect(isPast('2026-03-02', '09:00', now)).toBe(true);
    expect(isPast('2026-03-02', '09:15', now)).toBe(false);
  });
});

describe('waitMinutes', () => {
  it('counts whole minutes since check-in', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    expect(waitMinutes('2026-03-02T09:41:30Z', now)).toBe(18);
    expect(waitMinutes(null, now)).toBe(0);
    expect(waitMinutes('2026-03-02T10:05:00Z', now)).toBe(0);
  });
});

describe("the clinic's clock", () => {
  afterEach(() => setClinicFormat(undefined, undefined));

  it("decides which slots have begun, whatever the browser's zone", () => {
    setClinicFormat('Africa/Nairobi', undefined);
    // 06:30 UTC is 09:30 in Nairobi: the 09:00 slot has begun, the 10:00 one has not
    expect(isPast('2026-02-12', '09:00', new Date('2026-02-12T06:30:00Z'))).toBe(true);
    expect(isPast('2026-02-12', '10:00', new Date('2026-02-12T06:30:00Z'))).toBe(false);
    // 22:30 UTC is already the 13th in Nairobi
    expect(isPast('2026-02-12', '23:45', new Date('2026-02-12T22:30:00Z'))).toBe(true);
  });
});
