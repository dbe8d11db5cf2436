// The allergy warning of a refused prescription: the server answers 409 allergy-warning with
// what matched in the problem's details ({warnings: [...]}); the doctor must see each one.
import { ApiError, toApiError } from '../api/client';

/** allergyWarnings reads the warnings of a refused prescription (409 allergy-warning), or null. */
export function allergyWarnings(err: unknown, body: unknown): string[] | null {
  if (!(err instanceof ApiError) || err.code !== 'allergy-warning') return null;
  const details = body && typeof body === 'object' ? (body as { details?: unknown }).details : undefined;
  const list = details && typeof details === 'object' ? (details as { warnings?: unknown }).warnings : undefined;
  const warnings = Array.isArray(list) ? list.filter((w): w is string => typeof w === 'string' && w.trim() !== '') : [];
  return warnings.length ? warnings : [err.detail || err.title];
}

/** allergyChecked reads a prescription's answer: an allergy warning is an answer (warnings), not a failure. */
export async function allergyChecked<T>(sent: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ warnings: string[] | null; data: T | null }> {
  const { data, error, response } = await sent;
  if (response.ok) return { warnings: null, data: data ?? null };
  const err = toApiError(response, error);
  const warnings = allergyWarnings(err, error);
  if (warnings) return { warnings, data: null };
  throw err;
}
