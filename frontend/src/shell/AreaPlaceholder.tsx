// AreaPlaceholder: the empty state of an area whose screens arrive with a later release.
import { Center, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { AREA_ICONS } from './areaIcons';
import type { AreaKey } from './areas';

export function AreaPlaceholder({ area }: { area: AreaKey }) {
  const { t } = useTranslation();
  const Icon = AREA_ICONS[area];
  useDocumentTitle(`${t(`areas.${area}`)} · Chelal`);
  return (
    <Stack data-area-page={area}>
      <Title order={2}>{t(`areas.${area}`)}</Title>
      <Center mih={280}>
        <Stack align="center" gap="xs" maw={480}>
          <ThemeIcon size={64} radius="xl" variant="light">
            <Icon size={36} />
          </ThemeIcon>
          <Text fw={500}>{t(`areaHints.${area}`)}</Text>
          <Text c="dimmed" ta="center">
            {t('areas.later')}
          </Text>
        </Stack>
      </Center>
    </Stack>
  );
}
