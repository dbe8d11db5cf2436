import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../api/client';
import { problemMessage, serverFieldErrors } from './errors';

const t = ((key: string, vars?: Record<string, unknown>) => (vars ? `${key} ${JSON.stringify(vars)}` : key)) as unknown as TFunction;

const invalid = new ApiError(422, {
  type: 'https://x/problems/invalid',
  title: 'Invalid input',
  status: 422,
  detail: 'Some fields are invalid.',
  errors: [
    { field: 'password', code: 'too_short', message: 'Password must be at least 12 characters long.' },
    { field: 'clinic_name', code: 'required', message: 'Clinic name is required.' },
    { field: 'mystery', code: 'invalid', message: 'Odd.' },
  ],
});

describe('server errors beside their fields', () => {
  it('places the errors of known fields, in English as the server says', () => {
    const { errors, rest } = serverFieldErrors(invalid, ['password', 'clinic_name'], t, 'en');
    expect(errors).toEqual({ password: 'Password must be at least 12 characters long.', clinic_name: 'Clinic name is required.' });
    expect(rest).toEqual(['Odd.']);
  });

  it('in other languages through the catalog, by code', () => {
    const { errors } = serverFieldErrors(invalid, ['password', 'clinic_name'], t, 'sw');
    expect(errors).toEqual({ password: 'fieldErrors.too_short', clinic_name: 'fieldErrors.required' });
  });

  it('renames server fields to form fields', () => {
    const { errors } = serverFieldErrors(invalid, ['new_password'], t, 'en', { password: 'new_password' });
    expect(Object.keys(errors)).toEqual(['new_password']);
  });
});

describe('problem messages', () => {
  it('name known problems through the catalog', () => {
    const e = new ApiError(401, { type: 'https://x/problems/invalid-credentials', title: 't', status: 401, detail: 'Wrong.' });
    expect(problemMessage(e, t, 'fr')).toBe('problems.invalid-credentials');
    expect(problemMessage(new NetworkError(), t, 'en')).toBe('problems.network');
  });
  it('say how long to wait', () => {
    const e = new ApiError(429, { type: 'https://x/problems/login-locked', title: 't', status: 429, detail: 'd' }, 42);
    expect(problemMessage(e, t, 'en')).toBe('problems.retryAfter {"seconds":42}');
  });
});
