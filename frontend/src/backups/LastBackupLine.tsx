// LastBackupLine: on the administrator's home page, how old the last good (verified) backup
// is, in orange when there is none or it is older than STALE_HOURS; links to the Backups page.
import { Anchor, Group } from '@mantine/core';
import { IconDatabaseExport } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatAge, lastGoodBackup } from './age';
import { useBackups } from './queries';

export function LastBackupLine() {
  const { t, i18n } = useTranslation();
  const backups = useBackups();
  if (!backups.isSuccess) return null;
  const last = lastGoodBackup(backups.data);
  const text = last.ageMs === null ? t('home.noBackup') : t('home.lastBackup', { age: formatAge(last.ageMs, i18n.language) });
  return (
    <Group gap="xs" wrap="nowrap" data-testid="home-last-backup" data-stale={last.stale ? 'true' : 'false'}>
      <IconDatabaseExport size={18} aria-hidden color={last.stale ? 'var(--mantine-color-orange-7)' : undefined} />
      <Anchor component={Link} to="/backups" c={last.stale ? 'orange.7' : undefined} fw={last.stale ? 600 : undefined}>
        {text}
      </Anchor>
    </Group>
  );
}
