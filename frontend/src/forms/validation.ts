// Client-side checks that mirror the server's rules, so most mistakes are caught before a
// round trip; the server still decides (its answers are shown beside the fields too).

/** The server's minimum password length (auth.MinPasswordLen). */
export const MIN_PASSWORD = 12;

export function isEmail(v: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(v.trim());
}
