import { Card, SegmentedControl, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useChangeLanguage } from '../auth/language';
import { ENDONYMS, LANGUAGES, isLanguage } from '../i18n/languages';
import { CardHeading } from '../shell/CardHeading';

export function LanguageCard() {
  const { t, i18n } = useTranslation();
  const change = useChangeLanguage();
  return (
    <Card withBorder padding="lg">
      <Stack>
        <CardHeading title={t('language.label')} help={t('language.help')} />
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
