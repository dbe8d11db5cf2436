// The pharmacy's rules as the screens show them: which highlight a medication's stock gets,
// and what the server will say of an amount of money or a quantity (so a form can tell
// before sending). The server decides; these only explain early.

export type StockFlag = 'expired' | 'low' | 'expiring';

export interface StockFacts {
  is_active: boolean;
  available_quantity: number;
  reorder_level: number;
  expired_quantity: number;
  expiring_soon: boolean;
}

/** stockFlags lists a medication's highlights, the most urgent first. */
export function stockFlags(m: StockFacts): StockFlag[] {
  const flags: StockFlag[] = [];
  if (m.expired_quantity > 0) flags.push('expired');
  if (m.is_active && m.available_quantity <= m.reorder_level) flags.push('low');
  if (m.expiring_soon) flags.push('expiring');
  return flags;
}

export const FLAG_COLORS: Record<StockFlag, string> = { expired: 'red', low: 'orange', expiring: 'yellow' };

export type MoneyProblem = 'required' | 'negative' | 'decimals' | 'format';

/** moneyProblem says what is wrong with an amount typed as text ("12.50"), or null. */
export function moneyProblem(v: string): MoneyProblem | null {
  const s = v.trim();
  if (s === '') return 'required';
  if (s.startsWith('-')) return 'negative';
  if (/^\d+\.\d{3,}$/.test(s)) return 'decimals';
  if (!/^(0|[1-9]\d{0,9})(\.\d{1,2})?$/.test(s)) return 'format';
  return null;
}

/** quantityProblem says what is wrong with a quantity of units, or null. */
export function quantityProblem(n: number | string, allowNegative = false): 'required' | 'whole' | 'positive' | null {
  if (n === '' || n === 0) return 'required';
  const x = typeof n === 'number' ? n : Number(n);
  if (!Number.isFinite(x) || !Number.isInteger(x)) return 'whole';
  if (!allowNegative && x < 0) return 'positive';
  return null;
}

/** defaultDispense is what a dispense form proposes: what remains, within the stock in date. */
export function defaultDispense(remaining: number, available: number | null | undefined): number {
  if (available === null || available === undefined) return remaining;
  return Math.max(0, Math.min(remaining, available));
}

/** isoToday is today's date, YYYY-MM-DD, in this computer's time zone. */
export function isoToday(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

export interface LedgerFacts {
  id: number;
  kind: string;
  dispense_id: number | null;
  quantity_change: number;
}

/**
 * returnableDispenses: for each dispense in a ledger (newest first), what can still come back
 * (dispensed less returned) and the row that offers the return (the dispense's newest row: a
 * dispense from several batches has one row per batch). Dispenses fully returned are left out.
 */
export function returnableDispenses(ledger: readonly LedgerFacts[]): Map<number, { remaining: number; rowId: number }> {
  const acc = new Map<number, { remaining: number; rowId: number }>();
  for (const m of ledger) {
    if (m.dispense_id === null || (m.kind !== 'dispense' && m.kind !== 'return')) continue;
    const cur = acc.get(m.dispense_id) ?? { remaining: 0, rowId: 0 };
    // a dispense row takes units off (negative change), a return puts them back (positive)
    cur.remaining -= m.quantity_change;
    if (m.kind === 'dispense' && cur.rowId === 0) cur.rowId = m.id;
    acc.set(m.dispense_id, cur);
  }
  for (const [id, r] of acc) if (r.remaining <= 0 || r.rowId === 0) acc.delete(id);
  return acc;
}
