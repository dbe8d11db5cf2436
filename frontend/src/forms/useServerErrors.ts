// useServerErrors: a failed submit's errors, shown where they belong: field errors beside
// their fields (form.setErrors), the rest in one message above the buttons. (Saves go through
// useApiMutation, which does the same; this is for failures outside a mutation.)
import type { UseFormReturnType } from '@mantine/form';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { showServerErrors } from './useApiMutation';

export function useServerErrors<T extends Record<string, unknown>>(form: UseFormReturnType<T>, rename: Record<string, string> = {}) {
  const { t, i18n } = useTranslation();
  const [message, setMessage] = useState<string | null>(null);

  const handle = useCallback(
    (err: unknown): Record<string, string> => {
      const { message, placed } = showServerErrors(err, form, t, i18n.language, rename);
      setMessage(message);
      return placed;
    },
    // rename is a literal at each call site
    [form, t, i18n.language],
  );

  return { message, setMessage, handle, clear: useCallback(() => setMessage(null), []) };
}
