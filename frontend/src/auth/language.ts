// Switching language: applied at once, then saved as the user's language_preference.
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { SessionInfo } from '../api/types';
import { i18n } from '../i18n';
import type { Language } from '../i18n/languages';
import { patchMe } from './me';
import { ME_KEY, updateSessionUser } from './session';

export function useChangeLanguage() {
  const qc = useQueryClient();
  return useCallback(
    async (lang: Language) => {
      await i18n.changeLanguage(lang);
      const info = qc.getQueryData<SessionInfo | null>(ME_KEY);
      if (!info || info.user.language_preference === lang) return;
      try {
        const answer = await patchMe(info.user, () => ({ language_preference: lang }));
        updateSessionUser(qc, answer.user);
      } catch {
        notifications.show({ color: 'red', message: i18n.t('language.notSaved') });
      }
    },
    [qc],
  );
}
