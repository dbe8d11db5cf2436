/**
 * newIdempotencyKey names one attempt at a create request (a registration, a booking, a walk-in,
 * a bill, an encounter, a payment, a dispense): a retry of the same attempt sends it again and
 * the server answers the first attempt's result instead of creating a second record. (LAN
 * browsers over plain http are not a secure context and lack crypto.randomUUID.)
 */
export function newIdempotencyKey(): string {
  const c: Crypto = globalThis.crypto;
  if (typeof c.randomUUID === 'function' && globalThis.isSecureContext) return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
