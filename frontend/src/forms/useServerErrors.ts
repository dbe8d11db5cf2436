// useServerErrors: a failed submit's errors, shown where they belong: field errors beside
// their fields (form.setErrors), the rest in one message above the buttons.
import type { UseFormReturnType } from '@mantine/form';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { problemMessage, serverFieldErrors } from './errors';

export function useServerErrors<T extends Record<string, unknown>>(form: UseFormReturnType<T>, rename: Record<string, string> = {}) {
  const { t, i18n } = useTranslation();
  const [message, setMessage] = useState<string | null>(null);

  const handle = useCallback(
    (err: unknown): Record<string, string> => {
      const { errors, rest } = serverFieldErrors(err, Object.keys(form.getValues()), t, i18n.language, rename);
      form.setErrors(errors);
      const placed = Object.keys(errors).length > 0;
      const validation = err instanceof ApiError && (err.code === 'invalid' || err.fields.length > 0);
      if (placed && validation && rest.length === 0) setMessage(null);
      else setMessage([problemMessage(err, t, i18n.language), ...rest].join(' '));
      return errors;
    },
    // rename is a literal at each call site
    [form, t, i18n.language],
  );

  return { message, setMessage, handle, clear: useCallback(() => setMessage(null), []) };
}
