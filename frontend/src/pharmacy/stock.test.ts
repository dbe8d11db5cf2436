import { describe, expect, it } from 'vitest';
import { defaultDispense, isoToday, moneyProblem, quantityProblem, returnableDispenses, stockFlags } from './stock';

const base = { is_active: true, available_quantity: 50, reorder_level: 10, expired_quantity: 0, expiring_soon: false };

describe('stockFlags', () => {
  it('flags nothing for stock well above the reorder level', () => {
    expect(stockFlags(base)).toEqual([]);
  });
  it('flags low at and under the reorder level, not above', () => {
    expect(stockFlags({ ...base, available_quantity: 10 })).toEqual(['low']);
    expect(stockFlags({ ...base, available_quantity: 0 })).toEqual(['low']);
    expect(stockFlags({ ...base, available_quantity: 11 })).toEqual([]);
  });
  it('puts expired stock first and ignores low stock of a deactivated item', () => {
    expect(stockFlags({ ...base, available_quantity: 1, expired_quantity: 4, expiring_soon: true })).toEqual(['expired', 'low', 'expiring']);
    expect(stockFlags({ ...base, is_active: false, available_quantity: 0 })).toEqual([]);
  });
});

describe('moneyProblem', () => {
  it('accepts amounts with up to two decimals', () => {
    for (const v of ['0', '12', '12.5', '12.50', ' 3.00 ', '9999999999.99']) expect(moneyProblem(v), v).toBeNull();
  });
  it('names what is wrong', () => {
    expect(moneyProblem('')).toBe('required');
    expect(moneyProblem('-1.00')).toBe('negative');
    expect(moneyProblem('1.005')).toBe('decimals');
    expect(moneyProblem('1,50')).toBe('format');
    expect(moneyProblem('01.00')).toBe('format');
    expect(moneyProblem('12345678901')).toBe('format');
  });
});

describe('quantityProblem', () => {
  it('wants a whole number of units', () => {
    expect(quantityProblem(3)).toBeNull();
    expect(quantityProblem('')).toBe('required');
    expect(quantityProblem(0)).toBe('required');
    expect(quantityProblem(1.5)).toBe('whole');
    expect(quantityProblem(-2)).toBe('positive');
    expect(quantityProblem(-2, true)).toBeNull();
  });
});

describe('defaultDispense', () => {
  it('proposes what remains, within the stock in date', () => {
    expect(defaultDispense(10, 50)).toBe(10);
    expect(defaultDispense(10, 4)).toBe(4);
    expect(defaultDispense(10, 0)).toBe(0);
    expect(defaultDispense(7, null)).toBe(7);
  });
});

describe('isoToday', () => {
  it('is the local date', () => {
    expect(isoToday(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('returnableDispenses', () => {
  it('offers each dispense once, on its newest row, with what is left to return', () => {
    const ledger = [
      { id: 9, kind: 'return', dispense_id: 1, quantity_change: 2 },
      { id: 8, kind: 'dispense', dispense_id: 2, quantity_change: -3 },
      { id: 7, kind: 'dispense', dispense_id: 1, quantity_change: -4 },
      { id: 6, kind: 'dispense', dispense_id: 1, quantity_change: -6 },
      { id: 5, kind: 'receive', dispense_id: null, quantity_change: 100 },
    ];
    expect(returnableDispenses(ledger)).toEqual(
      new Map([
        [1, { remaining: 8, rowId: 7 }],
        [2, { remaining: 3, rowId: 8 }],
      ]),
    );
  });
  it('leaves out a dispense fully returned', () => {
    const ledger = [
      { id: 3, kind: 'return', dispense_id: 1, quantity_change: 1 },
      { id: 2, kind: 'return', dispense_id: 1, quantity_change: 2 },
      { id: 1, kind: 'dispense', dispense_id: 1, quantity_change: -3 },
    ];
    expect(returnableDispenses(ledger).size).toBe(0);
  });
});
