// Server errors in the user's language. The server's problem types and field error codes are
// stable; the catalog has a sentence for each that users meet. The server's own English text
// is shown in English (it is the most precise) and when no translation fits.
import type { TFunction } from 'i18next';
import { ApiError, NetworkError } from '../api/client';
import type { FieldError } from '../api/client';

const PROBLEM_CODES = [
  'prescription-discontinued',
  'prescription-returned',
  'prescription-expired',
  'already-linked',
  'invalid-credentials',
  'otp-required',
  'otp-invalid',
  'login-locked',
  'session-expired',
  'csrf',
  'stale-version',
  'last-admin',
  'already-set-up',
  '2fa-enabled',
  '2fa-disabled',
  '2fa-not-started',
  'forbidden',
  'not-found',
  'conflict',
  'invalid',
  'too-many-requests',
  'unavailable',
  'database-unavailable',
  'internal',
  'payload-too-large',
  'unsupported-media-type',
  'bad-request',
  'unauthorized',
  'slot-taken',
  'already-checked-in',
  'possible-duplicate',
  'insufficient-stock',
  'already-dispensed',
  'idempotency-key-reused',
  'idempotency-key-in-use',
  'idempotency-answer-lost',
  'not-expired',
  'inactive',
  'duplicate-name',
  'batch-empty',
  'batch-expired',
] as const;
type ProblemCode = (typeof PROBLEM_CODES)[number];

// Kinds whose detail is specific to the case: in English the server's detail says more.
const GENERIC: ReadonlySet<string> = new Set(['invalid', 'conflict', 'not-found', 'forbidden', 'bad-request', 'unavailable', 'insufficient-stock',
  'prescription-discontinued', 'prescription-returned', 'prescription-expired']);

// Every code the server's field errors use (internal/apperr's Code constants; internal/validate
// emits required, too_long, too_short, invalid and out_of_range). Outside English each one is
// the catalog's sentence: the server's message is English.
const FIELD_CODES = ['required', 'too_long', 'too_short', 'invalid', 'invalid_type', 'duplicate', 'out_of_range', 'unknown_field'] as const;
type FieldCode = (typeof FIELD_CODES)[number];

function isProblemCode(c: string): c is ProblemCode {
  return (PROBLEM_CODES as readonly string[]).includes(c);
}
function isFieldCode(c: string): c is FieldCode {
  return (FIELD_CODES as readonly string[]).includes(c);
}

/** problemMessage is the sentence to show for a failed request. */
export function problemMessage(err: unknown, t: TFunction, lang: string): string {
  if (err instanceof NetworkError) return t('problems.network');
  if (!(err instanceof ApiError)) return t('problems.unknown');
  if (err.code === 'login-locked' || err.code === 'too-many-requests') {
    return err.retryAfter ? t('problems.retryAfter', { seconds: err.retryAfter }) : t(`problems.${err.code}`);
  }
  if (err.code === 'internal') return t('problems.internal', { id: err.requestId || '-' });
  if (isProblemCode(err.code)) {
    if (lang === 'en' && GENERIC.has(err.code) && err.detail) return err.detail;
    return t(`problems.${err.code}`);
  }
  return (lang === 'en' && err.detail) || t('problems.unknown');
}

/** fieldMessage is the sentence to show beside a field for one of the server's field errors. */
export function fieldMessage(fe: FieldError, t: TFunction, lang: string): string {
  if (lang !== 'en' && isFieldCode(fe.code)) return t(`fieldErrors.${fe.code}`);
  return fe.message || (isFieldCode(fe.code) ? t(`fieldErrors.${fe.code}`) : t('fieldErrors.invalid'));
}

/**
 * serverFieldErrors maps the error's field errors to form field names (names that are the
 * same need no entry in rename); fields the form does not have are returned in `rest`.
 */
export function serverFieldErrors(
  err: unknown,
  fields: readonly string[],
  t: TFunction,
  lang: string,
  rename: Record<string, string> = {},
): { errors: Record<string, string>; rest: string[] } {
  const errors: Record<string, string> = {};
  const rest: string[] = [];
  if (!(err instanceof ApiError)) return { errors, rest };
  for (const fe of err.fields) {
    const name = rename[fe.field] ?? fe.field;
    if (fields.includes(name)) {
      errors[name] ??= fieldMessage(fe, t, lang);
    } else {
      rest.push(fieldMessage(fe, t, lang));
    }
  }
  return { errors, rest };
}
