import { describe, expect, it } from 'vitest';
import { amountProblem, compareAmounts, fromCents, lineTotal, normalizeAmount, readAmount, sumAmounts, toCents } from './money';

describe('money', () => {
  it('adds exactly, where floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumAmounts(['0.10', '0.20'])).toBe('0.30');
    expect(sumAmounts(Array.from({ length: 1000 }, () => '0.01'))).toBe('10.00');
    expect(sumAmounts(['1500.00', '-40.00', '0.05'])).toBe('1460.05');
    expect(sumAmounts([])).toBe('0.00');
  });

  it('multiplies a line exactly', () => {
    expect(lineTotal('0.20', 3)).toBe('0.60');
    expect(lineTotal('12.50', 21)).toBe('262.50');
    expect(lineTotal('9999999999.99', 1)).toBe('9999999999.99');
  });

  it('reads and writes cents', () => {
    expect(toCents('12.5')).toBe(1250n);
    expect(toCents('-0.07')).toBe(-7n);
    expect(fromCents(-7n)).toBe('-0.07');
    expect(fromCents(123456n)).toBe('1234.56');
    expect(normalizeAmount('5')).toBe('5.00');
    expect(() => toCents('ten')).toThrow();
    expect(compareAmounts('10.00', '9.99')).toBe(1);
    expect(compareAmounts('0.30', sumAmounts(['0.10', '0.20']))).toBe(0);
  });

  it('says what is wrong with a typed amount', () => {
    expect(amountProblem('500.00')).toBeNull();
    expect(amountProblem(' 7 ')).toBeNull();
    expect(amountProblem('')).toBe('required');
    expect(amountProblem('10.005')).toBe('decimals');
    expect(amountProblem('-5')).toBe('negative');
    expect(amountProblem('ten')).toBe('format');
    expect(amountProblem('1e3')).toBe('format');
    expect(amountProblem('1,000')).toBe('format');
    expect(amountProblem('12345678901')).toBe('format');
    expect(amountProblem('0.00')).toBe('zero');
    expect(amountProblem('0', { allowZero: true })).toBeNull();
  });
});

describe('readAmount', () => {
  it('reads an amount the way the language writes it', () => {
    expect(readAmount('1 500,50', 'fr')).toBe('1500.50');
    expect(readAmount('1\u202f500,50', 'fr')).toBe('1500.50');
    expect(readAmount('1500.50', 'fr')).toBe('1500.50');
    expect(readAmount('1,500.50', 'en')).toBe('1500.50');
    expect(readAmount('1,500,000', 'sw')).toBe('1500000');
    expect(readAmount(' 250 ', 'en')).toBe('250');
  });

  it('leaves what it cannot read for amountProblem to refuse', () => {
    expect(readAmount('1,50', 'en')).toBe('1,50');
    expect(amountProblem(readAmount('1,50', 'en'))).toBe('format');
    expect(readAmount('1.500,50', 'fr')).toBe('1.500,50');
    expect(amountProblem(readAmount('1 500,50', 'fr'))).toBeNull();
  });
});
