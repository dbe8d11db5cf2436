// Money on the client: amounts are decimal strings ("1250.00"), exactly as the server sends
// them. An amount is typed the way the user's language writes it and read with readAmount
// before it is checked or sent. The screens only check what a cashier typed and preview sums; the server computes
// every total that counts. Arithmetic is on integer cents (BigInt): never floating point.

import { isLanguage, LOCALES } from '../i18n/languages';

/** An amount a user may type: digits, at most two decimals, at most NUMERIC(12,2). */
const AMOUNT = /^\d{1,10}(\.\d{1,2})?$/;

/**
 * readAmount reads an amount typed the way the user's language writes numbers ("1 500,50" in
 * French, "1,500.50" in English) as the decimal string the server takes ("1500.50"). Spaces
 * are ignored; the thousands separator counts only between groups of three digits (so "1,50"
 * in English is not read as 150); in a language whose decimal mark is a comma, a point is
 * read as one too. What cannot be read is returned as typed, for amountProblem to refuse.
 */
export function readAmount(typed: string, lang: string): string {
  const parts = new Intl.NumberFormat(isLanguage(lang) ? LOCALES[lang] : lang).formatToParts(1234.5);
  const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  const group = parts.find((p) => p.type === 'group')?.value ?? ',';
  const s = typed.replace(/[\s\u00a0\u202f]/g, '');
  const neg = s.startsWith('-');
  let body = neg ? s.slice(1) : s;
  const groupIsSpace = /^[\s\u00a0\u202f]$/.test(group);
  if (!groupIsSpace && body.includes(group)) {
    const [whole = '', frac, ...more] = body.split(decimal);
    const groups = whole.split(group);
    if (more.length || !/^\d{1,3}$/.test(groups[0]!) || !groups.slice(1).every((g) => /^\d{3}$/.test(g))) return typed;
    body = groups.join('') + (frac === undefined ? '' : decimal + frac);
  }
  if (decimal !== '.') {
    if (body.includes(decimal) && body.includes('.')) return typed;
    body = body.replace(decimal, '.');
  }
  return (neg ? '-' : '') + body;
}

export type AmountProblem = 'required' | 'format' | 'decimals' | 'negative' | 'zero';

/** amountProblem says what is wrong with a typed amount, or null when it is fine. */
export function amountProblem(typed: string, { allowZero = false } = {}): AmountProblem | null {
  const s = typed.trim();
  if (s === '') return 'required';
  if (s.startsWith('-')) return 'negative';
  if (/^\d+\.\d{3,}$/.test(s)) return 'decimals';
  if (!AMOUNT.test(s)) return 'format';
  if (!allowZero && toCents(s) === 0n) return 'zero';
  return null;
}

/** toCents reads a decimal string ("-12.5", "0.07") as integer cents. */
export function toCents(amount: string): bigint {
  const s = amount.trim();
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`not an amount: ${amount}`);
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

/** fromCents writes integer cents as a decimal string with two decimals. */
export function fromCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const s = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** sumAmounts adds decimal strings exactly. */
export function sumAmounts(amounts: readonly string[]): string {
  return fromCents(amounts.reduce((acc, a) => acc + toCents(a), 0n));
}

/** lineTotal is quantity x unit price, exactly. */
export function lineTotal(unitPrice: string, quantity: number): string {
  return fromCents(toCents(unitPrice) * BigInt(Math.trunc(quantity)));
}

/** compareAmounts is -1, 0 or 1. */
export function compareAmounts(a: string, b: string): number {
  const d = toCents(a) - toCents(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** normalizeAmount writes a valid typed amount with two decimals ("5" -> "5.00"). */
export function normalizeAmount(typed: string): string {
  return fromCents(toCents(typed));
}
