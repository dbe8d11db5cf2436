import { afterEach, describe, expect, it } from 'vitest';
import { clinicToday, formatDate, formatDateTime, formatMoney, formatRelative, formatTime, setClinicFormat } from './format';
import { pickLanguage } from './languages';

// Intl output uses narrow no-break spaces in some locales; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('money', () => {
  it('is formatted from the decimal string, by language', () => {
    expect(formatMoney('1250.00', 'en')).toBe('1,250.00');
    expect(plain(formatMoney('1250.00', 'fr'))).toBe('1 250,00');
    expect(formatMoney('1250.5', 'sw')).toBe('1,250.50');
  });

  it('keeps every digit of large amounts (no float rounding)', () => {
    expect(formatMoney('9999999999.99', 'en')).toBe('9,999,999,999.99');
    expect(formatMoney('0.10', 'en')).toBe('0.10');
  });

  it('shows a currency when given', () => {
    expect(plain(formatMoney('1250.00', 'en', 'KES'))).toBe('KES 1,250.00');
    expect(plain(formatMoney('1250.00', 'sw', 'KES'))).toBe('KES 1,250.00');
    expect(plain(formatMoney('1250.00', 'fr', 'EUR'))).toBe('1 250,00 EUR');
  });

  it('returns what is not a number as it is', () => {
    expect(formatMoney('n/a', 'en')).toBe('n/a');
  });
});

describe('dates', () => {
  it('are formatted by language', () => {
    expect(formatDate('2026-03-05', 'en')).toBe('5 Mar 2026');
    expect(formatDate('2026-03-05', 'fr')).toBe('5 mars 2026');
    expect(formatDate('2026-03-05', 'sw')).toMatch(/5 Mac 2026/);
  });

  it('with time of day', () => {
    expect(formatDateTime(new Date(2026, 2, 5, 14, 30), 'en')).toBe('5 Mar 2026, 14:30');
    expect(formatDateTime(new Date(2026, 2, 5, 14, 30), 'fr')).toMatch(/^5 mars 2026.*14:30$/);
  });

  it('return an unparseable value as it is', () => {
    expect(formatDate('not a date', 'en')).toBe('not a date');
  });
});

describe('the clinic', () => {
  afterEach(() => setClinicFormat(undefined, undefined));

  it('shows times in its zone, whatever the browser\'s', () => {
    setClinicFormat('Africa/Nairobi', 'KES');
    // 06:30 UTC is 09:30 in Nairobi
    expect(formatDateTime('2026-02-12T06:30:00Z', 'en')).toBe('12 Feb 2026, 09:30');
    expect(formatTime('2026-02-12T06:30:00Z', 'fr')).toBe('09:30');
    // 22:30 UTC is already the next day in Nairobi
    expect(formatDate('2026-02-12T22:30:00Z', 'en')).toBe('13 Feb 2026');
    expect(clinicToday(new Date('2026-02-12T22:30:00Z'))).toBe('2026-02-13');
    setClinicFormat('America/New_York', undefined);
    expect(formatTime('2026-02-12T06:30:00Z', 'en')).toBe('01:30');
  });

  it('keeps a calendar day the same day in every zone', () => {
    setClinicFormat('Pacific/Kiritimati', undefined);
    expect(formatDate('2026-02-12', 'en')).toBe('12 Feb 2026');
    setClinicFormat('Pacific/Pago_Pago', undefined);
    expect(formatDate('2026-02-12', 'fr')).toBe('12 févr. 2026');
  });

  it('shows money in its currency unless told otherwise, and ignores unknown settings', () => {
    setClinicFormat('Africa/Nairobi', 'KES');
    expect(plain(formatMoney('1500.50', 'fr'))).toBe('1 500,50 KES');
    setClinicFormat('Mars/Olympus', 'NOPE');
    expect(formatMoney('1500.50', 'en')).toBe('1,500.50');
  });
});

describe('pickLanguage', () => {
  it('takes the first supported language', () => {
    expect(pickLanguage([null, 'de-DE', 'fr-CA', 'sw'])).toBe('fr');
    expect(pickLanguage(['sw_TZ'])).toBe('sw');
    expect(pickLanguage(['de', undefined])).toBe('en');
  });
});

describe('relative times', () => {
  const now = new Date('2026-03-02T12:00:00Z').getTime();
  const ago = (ms: number) => new Date(now - ms).toISOString();

  it('says how long ago a recent moment was, by language', () => {
    expect(formatRelative(ago(5 * 60_000), 'en', now)).toBe('5 minutes ago');
    expect(plain(formatRelative(ago(5 * 60_000), 'fr', now))).toBe('il y a 5 minutes');
    expect(formatRelative(ago(3 * 3600_000), 'en', now)).toBe('3 hours ago');
    expect(formatRelative(ago(26 * 3600_000), 'en', now)).toBe('yesterday');
    expect(formatRelative(ago(26 * 3600_000), 'sw', now)).toBe('jana');
  });

  it('is "now" for the last seconds, and the date and time from a week on', () => {
    expect(formatRelative(ago(400), 'en', now)).toBe('now');
    const old = ago(10 * 86400_000);
    expect(formatRelative(old, 'en', now)).toBe(formatDateTime(old, 'en'));
  });

  it('returns what is not a date as it is', () => {
    expect(formatRelative('soon', 'en', now)).toBe('soon');
  });
});
