// The schedule's pure rules: the day's 15-minute slots, the day grid (slots x doctors), the
// legal moves of an appointment (the server's table, to show only the buttons that can work),
// the first free slot of a doctor, wait times, and local calendar dates (YYYY-MM-DD).
import type { Appointment } from '../api/types';
import { clinicToday, clinicWallClock } from '../i18n/format';

export const SLOT_MINUTES = 15;
/** The day view's hours: 08:00 to 18:00 (the last slot starts at 17:45). */
export const DAY_START = 8 * 60;
export const DAY_END = 18 * 60;

export type Status = 'scheduled' | 'checked_in' | 'in_progress' | 'completed' | 'cancelled' | 'no_show';
export const STATUSES: readonly Status[] = ['scheduled', 'checked_in', 'in_progress', 'completed', 'cancelled', 'no_show'];

// The server's transitions (internal/appointments): any other move is refused.
const MOVES: Record<string, readonly Status[]> = {
  scheduled: ['checked_in', 'cancelled', 'no_show'],
  checked_in: ['in_progress', 'cancelled', 'no_show'],
  in_progress: ['completed'],
};

/** legalMoves lists the statuses an appointment in `status` may move to. */
export function legalMoves(status: string): readonly Status[] {
  return MOVES[status] ?? [];
}

/** takesSlot: every appointment but a cancelled one keeps its doctor's slot (the database's rule). */
export function takesSlot(status: string): boolean {
  return status !== 'cancelled';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** hhmm formats minutes after midnight as HH:MM. */
export function hhmm(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** minutesOf reads HH:MM (or HH:MM:SS) as minutes after midnight. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':');
  return Number(h) * 60 + Number(m);
}

/** slotTimes lists the slot start times from start to end (exclusive), every step minutes. */
export function slotTimes(start = DAY_START, end = DAY_END, step = SLOT_MINUTES): string[] {
  const out: string[] = [];
  for (let m = start; m + step <= end; m += step) out.push(hhmm(m));
  return out;
}

/** slotOf is the slot a time falls in (a walk-in at 10:07 shows in the 10:00 row). */
export function slotOf(time: string, step = SLOT_MINUTES): string {
  const m = minutesOf(time);
  return hhmm(m - (m % step));
}

export interface Cell {
  doctorId: number;
  /** The appointments shown in this cell, by time. */
  appointments: Appointment[];
  /** Whether the slot itself can still be booked (no live appointment at exactly this time). */
  free: boolean;
}

export interface Row {
  time: string;
  cells: Cell[];
}

export interface Grid {
  rows: Row[];
  /** Appointments before or after the grid's hours (walk-ins at 07:40, 18:20). */
  outside: Appointment[];
}

/** buildDayGrid places one day's appointments in rows of slots and columns of doctors. */
export function buildDayGrid(times: readonly string[], doctorIds: readonly number[], appointments: readonly Appointment[], step = SLOT_MINUTES): Grid {
  const byCell = new Map<string, Appointment[]>();
  const outside: Appointment[] = [];
  const shown = new Set(times);
  const columns = new Set(doctorIds);
  for (const a of appointments) {
    if (!columns.has(a.doctor_id)) continue;
    const slot = slotOf(a.time, step);
    if (!shown.has(slot)) {
      outside.push(a);
      continue;
    }
    const key = `${a.doctor_id}|${slot}`;
    const list = byCell.get(key) ?? [];
    list.push(a);
    byCell.set(key, list);
  }
  const rows = times.map((time) => ({
    time,
    cells: doctorIds.map((doctorId) => {
      const list = (byCell.get(`${doctorId}|${time}`) ?? []).sort((x, y) => x.time.localeCompare(y.time));
      return { doctorId, appointments: list, free: !list.some((a) => a.time === time && takesSlot(a.status)) };
    }),
  }));
  return { rows, outside: outside.sort((x, y) => x.time.localeCompare(y.time)) };
}

/** buildWeekGrid: one doctor's week, rows of slots and a column per day. */
export function buildWeekGrid(times: readonly string[], days: readonly string[], appointments: readonly Appointment[], step = SLOT_MINUTES) {
  // the day plays the doctor's part in the day grid
  const index = new Map(days.map((d, i) => [d, i + 1]));
  const asColumns = appointments
    .filter((a) => index.has(a.date))
    .map((a) => ({ ...a, doctor_id: index.get(a.date)! }));
  const grid = buildDayGrid(times, days.map((_, i) => i + 1), asColumns, step);
  const back = (a: Appointment) => appointments.find((x) => x.id === a.id)!;
  return {
    rows: grid.rows.map((r) => ({ time: r.time, cells: r.cells.map((c, i) => ({ date: days[i]!, appointments: c.appointments.map(back), free: c.free })) })),
    outside: grid.outside.map(back),
  };
}

// Local calendar dates, YYYY-MM-DD, without time zones getting in the way.
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function parseDate(iso: string): Date {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1);
}

export function isIsoDate(s: string | null | undefined): s is string {
  return !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && isoDate(parseDate(s)) === s;
}

export function addDays(iso: string, n: number): string {
  const d = parseDate(iso);
  d.setDate(d.getDate() + n);
  return isoDate(d);
}

/** weekOf lists the seven days (Monday first) of the week holding iso. */
export function weekOf(iso: string): string[] {
  const d = parseDate(iso);
  const monday = addDays(iso, -((d.getDay() + 6) % 7));
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** isPast: the slot has begun already at `now` on the clinic's clock (it cannot be booked). */
export function isPast(date: string, time: string, now: Date): boolean {
  const m = minutesOf(time);
  return `${date} ${pad(Math.floor(m / 60))}:${pad(m % 60)}` <= clinicWallClock(now);
}

/**
 * firstFreeSlot is the first slot from now on (from `from` for `days` days) that is not in
 * taken (keys "YYYY-MM-DD HH:MM"), or null.
 */
export function firstFreeSlot(taken: ReadonlySet<string>, now: Date, days = 14, times: readonly string[] = slotTimes()): { date: string; time: string } | null {
  const today = clinicToday(now);
  for (let i = 0; i < days; i++) {
    const date = addDays(today, i);
    for (const time of times) {
      if (!isPast(date, time, now) && !taken.has(`${date} ${time}`)) return { date, time };
    }
  }
  return null;
}

/** takenSlots are the keys firstFreeSlot needs, from a doctor's appointments. */
export function takenSlots(appointments: readonly Pick<Appointment, 'date' | 'time' | 'status'>[]): Set<string> {
  return new Set(appointments.filter((a) => takesSlot(a.status)).map((a) => `${a.date} ${a.time.slice(0, 5)}`));
}

/** waitMinutes since the check-in, whole minutes, never negative. */
export function waitMinutes(checkedInAt: string | null, now: Date): number {
  if (!checkedInAt) return 0;
  return Math.max(0, Math.floor((now.getTime() - new Date(checkedInAt).getTime()) / 60_000));
}
