import { Box, Button, Menu } from '@mantine/core';
import { IconCheck, IconLanguage } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useChangeLanguage } from '../auth/language';
import { ENDONYMS, LANGUAGES, isLanguage } from '../i18n/languages';

/** LanguageMenu switches the UI's language at once and saves it as the user's preference. */
export function LanguageMenu() {
  const { t, i18n } = useTranslation();
  const change = useChangeLanguage();
  const current = isLanguage(i18n.language) ? i18n.language : 'en';
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          variant="subtle"
          color="gray"
          leftSection={<IconLanguage size={18} aria-hidden />}
          aria-label={`${t('language.choose')}: ${ENDONYMS[current]}`}
          data-testid="language-menu"
        >
          <Box component="span" visibleFrom="sm">
            {ENDONYMS[current]}
          </Box>
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('language.label')}</Menu.Label>
        {LANGUAGES.map((lang) => (
          <Menu.Item
            key={lang}
            lang={lang}
            data-language={lang}
            leftSection={lang === current ? <IconCheck size={14} /> : <span style={{ width: 14, display: 'inline-block' }} />}
            onClick={() => void change(lang)}
          >
            {ENDONYMS[lang]}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
