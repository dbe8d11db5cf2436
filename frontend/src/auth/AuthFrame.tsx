// AuthFrame: the centred card of the screens before login (setup, login), with a language
// choice that applies at once (the user's saved preference takes over at login).
import { Center, Group, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ENDONYMS, LANGUAGES, isLanguage } from '../i18n/languages';
import { Brand } from '../shell/Brand';

export function AuthFrame({ title, subtitle, children, width = 420 }: { title: string; subtitle?: string; children: ReactNode; width?: number }) {
  const { t, i18n } = useTranslation();
  return (
    <Center mih="100vh" p="md" className="auth-frame">
      <Stack w="100%" maw={width} gap="md">
        <Group justify="space-between" wrap="nowrap">
          <Brand />
          <SegmentedControl
            size="xs"
            aria-label={t('language.choose')}
            value={isLanguage(i18n.language) ? i18n.language : 'en'}
            onChange={(v) => void i18n.changeLanguage(v)}
            data={LANGUAGES.map((l) => ({ value: l, label: ENDONYMS[l] }))}
            data-testid="auth-language"
          />
        </Group>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          <Stack gap="md">
            <div>
              <Title order={1} size="h3">
                {title}
              </Title>
              {subtitle && (
                <Text c="dimmed" size="sm">
                  {subtitle}
                </Text>
              )}
            </div>
            {children}
          </Stack>
        </Paper>
      </Stack>
    </Center>
  );
}
