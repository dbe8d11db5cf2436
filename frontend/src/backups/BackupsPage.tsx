// BackupsPage: the backups in the server's backup folder (newest first) with the result of
// their verification (each backup is restored into a scratch database), "Back up now", the
// backup folder, the point-in-time archive, and restoring a backup (from the list, or in the
// desktop window from any file) into a new database that Chelal then restarts on.
import { Alert, Badge, Button, Card, Code, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDatabaseExport, IconFileImport, IconRestore } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api';
import type { ArchiveUsage, Backup } from '../api/types';
import { problemMessage } from '../forms/errors';
import { formatDateTime } from '../i18n/format';
import { chooseOpenFile } from '../platform/desktop';
import { formatMegabytes } from './age';
import { BackupFolderCard } from './BackupFolderCard';
import { DisksCard } from './DisksCard';
import { BACKUPS_KEY, useBackupFolder, useBackupList } from './queries';
import { RestoreDialog } from './RestoreDialog';
import { formatBytes } from './restore';
import { ButtonCell } from '../shell/ActionsTh';
import { TableHead, right } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

export function VerificationBadge({ backup }: { backup: Backup }) {
  const { t, i18n } = useTranslation();
  const v = backup.verification;
  if (!v) {
    return (
      <Badge color="gray" variant="light" data-verification="none">
        {t('backups.notVerified')}
      </Badge>
    );
  }
  if (v.ok) {
    return (
      <Stack gap={2} data-verification="ok">
        <Badge color="green">{t('backups.verified')}</Badge>
        <Text size="xs" c="dimmed">
          {t('backups.verifiedDetail', { date: formatDateTime(v.verified_at, i18n.language), tables: v.tables, rows: v.rows })}
        </Text>
      </Stack>
    );
  }
  return (
    <Stack gap={2} data-verification="failed">
      <Badge color="red">{t('backups.failed')}</Badge>
      <Text size="xs" c="red">
        {v.error || formatDateTime(v.verified_at, i18n.language)}
      </Text>
    </Stack>
  );
}

/** ArchiveCard: the point-in-time archive's size, how far back it reaches, and how to use it. */
function ArchiveCard({ archive }: { archive: ArchiveUsage }) {
  const { t, i18n } = useTranslation();
  const folder = useBackupFolder();
  const none = folder.data && !folder.data.archive_dir && archive.base_backups === 0 && archive.wal_files === 0;
  return (
    <Card withBorder padding="lg" data-testid="backup-archive" data-base-backups={archive.base_backups}>
      <Stack gap="xs">
        {none ? (
          <Text size="sm">{t('backups.archiveNone')}</Text>
        ) : (
          <>
            <Text size="sm" data-testid="archive-size">
              {t('backups.archiveSize', {
                size: formatBytes(archive.wal_bytes + archive.base_bytes, i18n.language),
                bases: archive.base_backups,
                files: archive.wal_files,
              })}{' '}
              {archive.oldest_base ? t('backups.archiveSince', { date: formatDateTime(archive.oldest_base, i18n.language) }) : t('backups.archiveNoBase')}
            </Text>
            <Text size="sm">{t('backups.archiveHow')}</Text>
            <Code block>chelal restore --to "YYYY-MM-DD HH:MM"</Code>
          </>
        )}
      </Stack>
    </Card>
  );
}

export function BackupsPage() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  useDocumentTitle(`${t('areas.backups')} · Chelal`);
  const backups = useBackupList();
  const rows = backups.data?.items ?? [];
  const [restoring, setRestoring] = useState<string | null>(null);
  const chooseFile = chooseOpenFile();

  async function restoreOther() {
    if (!chooseFile) return;
    const path = await chooseFile(t('backups.restoreChooseTitle'));
    if (path) setRestoring(path);
  }

  const backUp = useMutation({
    mutationFn: () => unwrap(api.client.POST('/api/v1/backups')),
    onSuccess: (b) => {
      if (b.verification?.ok) {
        notifications.show({ color: 'teal', message: t('backups.done', { file: b.file }) });
      } else {
        notifications.show({ color: 'red', autoClose: false, message: t('backups.doneFailed', { file: b.file, error: b.verification?.error ?? '-' }) });
      }
    },
    onError: (err) => {
      const running = err instanceof ApiError && err.status === 409 && err.type.endsWith('backup-running');
      // A full (507) or missing (503) backup folder: say what to do, with the server's reason.
      const full = err instanceof ApiError && err.type.endsWith('backup-folder-full');
      const gone = err instanceof ApiError && err.type.endsWith('backup-folder-unavailable');
      if (full || gone) {
        const detail = err instanceof ApiError ? err.detail : '';
        notifications.show({ color: 'red', autoClose: false, message: t(full ? 'backups.folderFull' : 'backups.folderUnavailable', { detail }) });
        return;
      }
      notifications.show({ color: running ? 'orange' : 'red', message: running ? t('backups.alreadyRunning') : problemMessage(err, t, i18n.language) });
    },
    onSettled: () => qc.invalidateQueries({ queryKey: BACKUPS_KEY }),
  });

  return (
    <Stack data-area-page="backups">
      <Group justify="space-between">
        <Title order={2}>{t('areas.backups')}</Title>
        <Group gap="xs">
          {chooseFile && (
            <Button variant="default" leftSection={<IconFileImport size={18} />} onClick={() => void restoreOther()} className="no-print" data-testid="restore-other">
              {t('backups.restoreOther')}
            </Button>
          )}
          <Button
            leftSection={<IconDatabaseExport size={18} />}
            loading={backUp.isPending}
            disabled={backUp.isPending}
            onClick={() => backUp.mutate()}
            className="no-print"
            data-testid="backup-now"
          >
            {t('backups.now')}
          </Button>
        </Group>
      </Group>
      <Text>{t('backups.schedule')}</Text>
      {backUp.isPending && (
        <Alert color="blue" data-testid="backup-running">
          <Group gap="sm" wrap="nowrap">
            <Loader size="sm" aria-hidden />
            <Text size="sm">{t('backups.running')}</Text>
          </Group>
        </Alert>
      )}
      <QueryError query={backups} />
      <Table.ScrollContainer minWidth={720}>
        <Table striped verticalSpacing="xs" data-testid="backups-table">
          <TableHead
            columns={[t('backups.created'), t('backups.file'), right(t('backups.size')), t('backups.verification')]}
            actions="no-print"
          />
          <Table.Tbody>
            {rows.map((b) => (
              <Table.Tr key={b.file} data-file={b.file}>
                <Table.Td>{formatDateTime(b.created_at, i18n.language)}</Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {b.file}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{t('backups.sizeMb', { size: formatMegabytes(b.size, i18n.language) })}</Table.Td>
                <Table.Td>
                  <VerificationBadge backup={b} />
                </Table.Td>
                <ButtonCell cell={{ ta: 'right', className: 'no-print' }} size="xs" variant="light" color="red" leftSection={<IconRestore size={14} />} onClick={() => setRestoring(b.file)} data-testid="restore">
                  {t('backups.restore')}
                </ButtonCell>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {backups.isPending && <Loader aria-label={t('common.loading')} />}
      {backups.isSuccess && rows.length === 0 && (
        <Text c="dimmed" data-testid="backups-none">
          {t('backups.none')}
        </Text>
      )}
      {backups.data && <ArchiveCard archive={backups.data.archive} />}
      <BackupFolderCard />
      {backups.data && <DisksCard list={backups.data} />}
      <RestoreDialog file={restoring} onClose={() => setRestoring(null)} />
    </Stack>
  );
}
