import { afterEach, describe, expect, it } from 'vitest';
import { dateInputFormat, formatDateInput, isIso, parseDateInput, setClinicDateFormat } from './dates';

afterEach(() => setClinicDateFormat(undefined));

describe('date fields', () => {
  it('read the day first by default, and keep ISO', () => {
    expect(dateInputFormat()).toBe('DD/MM/YYYY');
    expect(parseDateInput('02/12/2026')).toBe('2026-12-02');
    expect(parseDateInput('2/12/2026')).toBe('2026-12-02');
    expect(parseDateInput('02.12.2026')).toBe('2026-12-02');
    expect(parseDateInput(' 02-12-2026 ')).toBe('2026-12-02');
    expect(parseDateInput('2026-12-02')).toBe('2026-12-02'); // ISO is always understood
    expect(formatDateInput('2026-12-02')).toBe('02/12/2026');
  });

  it('refuse what is not a real day', () => {
    for (const bad of ['31/02/2026', '29/02/2025', '13/13/2026', '02/12/26', '02/12', 'tomorrow', '', '00/12/2026', '02/1a/2026']) {
      expect(parseDateInput(bad), bad).toBeNull();
    }
    expect(parseDateInput('29/02/2028')).toBe('2028-02-29');
    expect(isIso('2026-02-30')).toBe(false);
    expect(isIso('2026-02-28')).toBe(true);
  });

  it("follow the clinic's format", () => {
    setClinicDateFormat('MM/DD/YYYY');
    expect(parseDateInput('12/02/2026')).toBe('2026-12-02');
    expect(formatDateInput('2026-12-02')).toBe('12/02/2026');
    setClinicDateFormat('YYYY-MM-DD');
    expect(formatDateInput('2026-12-02')).toBe('2026-12-02');
    setClinicDateFormat('nonsense');
    expect(dateInputFormat()).toBe('DD/MM/YYYY');
  });
});
