// Switching language: applied at once, then saved as the user's language_preference.
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, ApiError, unwrap } from '../api';
import type { SessionInfo } from '../api/types';
import { i18n } from '../i18n';
import type { Language } from '../i18n/languages';
import { ME_KEY, updateSessionUser } from './session';

export function useChangeLanguage() {
  const qc = useQueryClient();
  return useCallback(
    async (lang: Language) => {
      await i18n.changeLanguage(lang);
      const info = qc.getQueryData<SessionInfo | null>(ME_KEY);
      if (!info || info.user.language_preference === lang) return;
      const save = (version: number) =>
        unwrap(api.client.PATCH('/api/v1/auth/me', { body: { language_preference: lang, version } }));
      try {
        let answer;
        try {
          answer = await save(info.user.version);
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'stale-version')) throw err;
          // changed elsewhere (another tab): take the current version and apply the choice again
          const fresh = await unwrap(api.client.GET('/api/v1/auth/me'));
          answer = await save(fresh.user.version);
        }
        updateSessionUser(qc, answer.user);
      } catch {
        notifications.show({ color: 'red', message: i18n.t('language.notSaved') });
      }
    },
    [qc],
  );
}
