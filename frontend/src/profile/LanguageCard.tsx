import { Card, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useChangeLanguage } from '../auth/language';
import { ENDONYMS, LANGUAGES, isLanguage } from '../i18n/languages';

export function LanguageCard() {
  const { t, i18n } = useTranslation();
  const change = useChangeLanguage();
  return (
    <Card withBorder padding="lg">
      <Stack>
        <div>
          <Title order={3} size="h4">
            {t('language.label')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('language.help')}
          </Text>
        </div>
        <SegmentedControl
          aria-label={t('language.choose')}
          value={isLanguage(i18n.language) ? i18n.language : 'en'}
          onChange={(v) => isLanguage(v) && void change(v)}
          data={LANGUAGES.map((l) => ({ value: l, label: ENDONYMS[l] }))}
        />
      </Stack>
    </Card>
  );
}
