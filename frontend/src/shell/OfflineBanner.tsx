// OfflineBanner: shown while the server cannot be reached, or its database is unavailable
// (see api/connectivity.ts). Forms keep what was typed meanwhile; reads are retried when it
// is back.
import { Group, Loader, Text } from '@mantine/core';
import { IconDatabaseOff, IconPlugConnectedX } from '@tabler/icons-react';
import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { connectivity } from '../api';
import type { ConnectivityStatus } from '../api/connectivity';

export function useConnectivity(): ConnectivityStatus {
  return useSyncExternalStore(connectivity.subscribe, connectivity.status, () => 'online' as const);
}

export function useOnline(): boolean {
  return useConnectivity() === 'online';
}

export function OfflineBanner() {
  const { t } = useTranslation();
  const status = useConnectivity();
  if (status === 'online') return null;
  const database = status === 'database';
  return (
    <div className="offline-banner no-print" role="alert" data-testid="offline-banner" data-reason={status}>
      <Group gap="sm" justify="center" wrap="nowrap">
        {database ? <IconDatabaseOff size={22} aria-hidden /> : <IconPlugConnectedX size={22} aria-hidden />}
        <Text fw={600}>{database ? t('offline.databaseTitle') : t('offline.title')}</Text>
        <Text visibleFrom="sm">{database ? t('offline.databaseText') : t('offline.text')}</Text>
        <Loader size="xs" color="white" aria-label={t('offline.retrying')} />
      </Group>
    </div>
  );
}
