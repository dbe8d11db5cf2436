// DisksCard: on the Backups page, the free space of the data folder's disk and the backup
// folder's (a low one in orange), a WAL archive gap if there is one, and the leftovers of
// interrupted or replaced work with their size, each removable after a confirmation.
import { Alert, Badge, Button, Card, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import type { BackupList, Leftover } from '../api/types';
import { problemMessage } from '../forms/errors';
import { formatDateTime } from '../i18n/format';
import { BACKUPS_KEY } from './queries';
import { formatBytes } from './restore';
import { ButtonCell } from '../shell/ActionsTh';
import { TableHead, right } from '../shell/TableHead';

export function DisksCard({ list }: { list: BackupList }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [removing, setRemoving] = useState<Leftover | null>(null);
  const remove = useMutation({
    mutationFn: (name: string) => unwrap(api.client.DELETE('/api/v1/backups/leftovers/{name}', { params: { path: { name } } })),
    onSuccess: (_, name) => {
      notifications.show({ color: 'teal', message: t('backups.leftoverRemoved', { name }) });
      setRemoving(null);
    },
    onError: (err) => notifications.show({ color: 'red', message: problemMessage(err, t, i18n.language) }),
    onSettled: () => qc.invalidateQueries({ queryKey: BACKUPS_KEY }),
  });
  const what = (name: string) => (name === 'data' ? t('backups.diskData') : t('backups.diskBackups'));
  return (
    <Card withBorder padding="lg" data-testid="backup-disks">
      <Stack gap="sm">
        <Title order={4}>{t('backups.disksTitle')}</Title>
        {list.disks.map((d) => (
          <Group key={d.name} gap="xs" data-disk={d.name} data-low={d.low ? 'true' : 'false'}>
            <Text size="sm" c={d.low ? 'orange.8' : undefined} fw={d.low ? 600 : undefined}>
              {d.error
                ? t('backups.diskError', { what: what(d.name), error: d.error })
                : t('backups.diskLine', {
                    what: what(d.name),
                    free: formatBytes(d.free_bytes, i18n.language),
                    total: formatBytes(d.total_bytes, i18n.language),
                  })}
            </Text>
            {d.low && <Badge color="orange">{t('backups.diskLowBadge')}</Badge>}
          </Group>
        ))}
        {list.wal_gap && (
          <Alert color="orange" data-testid="backup-wal-gap">
            {t('backups.walGap', { first: list.wal_gap.first, date: formatDateTime(list.wal_gap.since, i18n.language) })}
          </Alert>
        )}
        <Title order={4}>{t('backups.leftoversTitle')}</Title>
        <Text size="sm" c="dimmed">
          {t('backups.leftoversHint', { days: list.leftover_days })}
        </Text>
        {list.leftovers.length === 0 ? (
          <Text size="sm" data-testid="leftovers-none">
            {t('backups.leftoversNone')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing="xs" data-testid="leftovers-table">
              <TableHead
                columns={[t('backups.leftoverName'), t('backups.leftoverKind'), t('backups.leftoverCreated'), right(t('backups.size'))]}
                actions="no-print"
              />
              <Table.Tbody>
                {list.leftovers.map((l) => (
                  <Table.Tr key={l.name} data-leftover={l.name}>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {l.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>{t(`backups.leftoverKinds.${l.kind}`)}</Table.Td>
                    <Table.Td>{formatDateTime(l.created_at, i18n.language)}</Table.Td>
                    <Table.Td ta="right">{formatBytes(l.bytes, i18n.language)}</Table.Td>
                    <ButtonCell cell={{ ta: 'right', className: 'no-print' }} size="xs" variant="light" color="red" leftSection={<IconTrash size={14} />} onClick={() => setRemoving(l)} data-testid="leftover-remove">
                      {t('backups.leftoverRemove')}
                    </ButtonCell>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={t('backups.leftoversTitle')}>
        {removing && (
          <Stack>
            <Text>{t('backups.leftoverRemoveConfirm', { name: removing.name, size: formatBytes(removing.bytes, i18n.language) })}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRemoving(null)}>
                {t('common.cancel')}
              </Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(removing.name)} data-testid="leftover-remove-confirm">
                {t('backups.leftoverRemove')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
