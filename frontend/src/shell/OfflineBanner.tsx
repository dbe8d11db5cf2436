// OfflineBanner: shown while the server cannot be reached (see api/connectivity.ts).
import { Group, Loader, Text } from '@mantine/core';
import { IconPlugConnectedX } from '@tabler/icons-react';
import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { connectivity } from '../api';

export function useOnline(): boolean {
  return useSyncExternalStore(connectivity.subscribe, connectivity.isOnline, () => true);
}

export function OfflineBanner() {
  const { t } = useTranslation();
  const online = useOnline();
  if (online) return null;
  return (
    <div className="offline-banner no-print" role="alert" data-testid="offline-banner">
      <Group gap="sm" justify="center" wrap="nowrap">
        <IconPlugConnectedX size={22} aria-hidden />
        <Text fw={600}>{t('offline.title')}</Text>
        <Text visibleFrom="sm">{t('offline.text')}</Text>
        <Loader size="xs" color="white" aria-label={t('offline.retrying')} />
      </Group>
    </div>
  );
}
