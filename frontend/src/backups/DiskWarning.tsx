// DiskWarning: on the administrator's home page, a warning when a disk Chelal writes to (the
// data folder's, the backup folder's) is low on space, or when recovery to a moment is
// interrupted (a failing WAL archive was capped). Nothing when all is well.
import { Alert, Anchor, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDateTime } from '../i18n/format';
import { useBackupList } from './queries';
import { formatBytes } from './restore';

export function DiskWarning() {
  const { t, i18n } = useTranslation();
  const list = useBackupList();
  if (!list.isSuccess) return null;
  const low = list.data.disks.filter((d) => d.low);
  const gap = list.data.wal_gap;
  if (low.length === 0 && !gap) return null;
  return (
    <Stack gap="xs">
      {low.map((d) => (
        <Alert key={d.name} color="orange" icon={<IconAlertTriangle size={18} />} data-testid="home-disk-low" data-disk={d.name}>
          <Anchor component={Link} to="/backups" c="orange.9">
            {t('home.diskLow', {
              free: formatBytes(d.free_bytes, i18n.language),
              what: d.name === 'data' ? t('backups.diskData') : t('backups.diskBackups'),
              dir: d.dir,
            })}
          </Anchor>
        </Alert>
      ))}
      {gap && (
        <Alert color="orange" icon={<IconAlertTriangle size={18} />} data-testid="home-wal-gap">
          <Anchor component={Link} to="/backups" c="orange.9">
            {t('home.walGap', { date: formatDateTime(gap.since, i18n.language) })}
          </Anchor>
        </Alert>
      )}
    </Stack>
  );
}
