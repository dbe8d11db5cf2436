// Helpers of the report page.

/** localISODate is a date's YYYY-MM-DD in the browser's zone (the clinic's, at the clinic). */
export function localISODate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * chartAmount turns a decimal string into a number for drawing a chart only: a bar's length
 * does not need cents. Figures shown as text always use the string itself.
 */
export function chartAmount(amount: string): number {
  const n = Number(amount);
  return Number.isFinite(n) ? n : 0;
}
