// NotificationBell: the header's bell with the unread count, and a popover listing the newest
// notifications: unread ones emphasised, each markable read, all at once too, with a link to
// the screen a notification is about when there is an obvious one.
import { ActionIcon, Alert, Anchor, Box, Button, Center, Divider, Group, Indicator, Loader, Popover, ScrollArea, Stack, Text } from '@mantine/core';
import { notifications as toasts } from '@mantine/notifications';
import { IconBell, IconCheck, IconChecks } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDateTime, formatRelative } from '../i18n/format';
import { areaByKey, canSee } from '../shell/areas';
import { badgeText, notificationLink, type Notification } from './notifications';
import { useMarkAllRead, useMarkRead, useNotifications } from './queries';

export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const [opened, setOpened] = useState(false);
  const list = useNotifications();
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const unread = list.data?.unread_count ?? 0;
  const badge = badgeText(unread);
  const failed = (err: unknown) => toasts.show({ color: 'red', message: problemMessage(err, t as TFunction, i18n.language) });

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={380} shadow="md" withinPortal trapFocus returnFocus withRoles={false}>
      <Popover.Target>
        <Indicator label={badge} disabled={!badge} size={18} color="red" offset={6} inline data-testid="notification-badge" data-count={unread}>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="lg"
            onClick={() => setOpened((o) => !o)}
            aria-label={unread > 0 ? t('notifications.bellUnread', { n: unread }) : t('notifications.bell')}
            aria-haspopup="dialog"
            aria-expanded={opened}
            data-testid="notification-bell"
          >
            <IconBell size={20} aria-hidden />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p={0} role="dialog" aria-label={t('notifications.title')} data-testid="notification-panel">
        <Group justify="space-between" px="sm" py="xs" wrap="nowrap">
          <Text fw={600} size="sm">
            {t('notifications.title')}
          </Text>
          <Button
            variant="subtle"
            size="compact-xs"
            leftSection={<IconChecks size={14} aria-hidden />}
            disabled={unread === 0}
            onClick={() => markAll.mutate(undefined, { onError: failed })}
            data-testid="notification-read-all"
          >
            {t('notifications.markAllRead')}
          </Button>
        </Group>
        <Divider />
        <ScrollArea.Autosize mah={420} type="auto">
          {list.isPending ? (
            <Center p="md">
              <Loader size="sm" aria-label={t('common.loading')} />
            </Center>
          ) : list.isError ? (
            <Alert color="red" m="sm">
              {problemMessage(list.error, t as TFunction, i18n.language)}
            </Alert>
          ) : list.data.items.length === 0 ? (
            <Text c="dimmed" size="sm" p="md" ta="center" data-testid="notification-empty">
              {t('notifications.empty')}
            </Text>
          ) : (
            <Stack gap={0} component="ul" m={0} p={0} style={{ listStyle: 'none' }} aria-label={t('notifications.title')}>
              {list.data.items.map((n) => (
                <NotificationItem
                  key={n.id}
                  n={n}
                  onRead={() => markRead.mutate(n.id, { onError: failed })}
                  onFollow={() => {
                    if (!n.is_read) markRead.mutate(n.id, { onError: failed });
                    setOpened(false);
                  }}
                />
              ))}
            </Stack>
          )}
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}

function NotificationItem({ n, onRead, onFollow }: { n: Notification; onRead: () => void; onFollow: () => void }) {
  const { t, i18n } = useTranslation();
  const { permissions } = useSession();
  const link = notificationLink(n.notification_type);
  const showLink = link && canSee(areaByKey(link.area), permissions);
  return (
    <Box
      component="li"
      px="sm"
      py="xs"
      data-testid="notification"
      data-id={n.id}
      data-type={n.notification_type}
      data-read={n.is_read}
      bg={n.is_read ? undefined : 'var(--mantine-primary-color-light)'}
      style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
        <Box style={{ minWidth: 0 }}>
          <Text size="sm" fw={n.is_read ? 400 : 700} data-testid="notification-title">
            {!n.is_read && <span className="visually-hidden">{t('notifications.unread')}: </span>}
            {n.title}
          </Text>
          <Text size="xs" c={n.is_read ? 'dimmed' : undefined} style={{ overflowWrap: 'anywhere' }}>
            {n.message}
          </Text>
          <Group gap="sm" mt={2}>
            <Text size="xs" c="dimmed" component="time" dateTime={n.created_at} title={formatDateTime(n.created_at, i18n.language)}>
              {formatRelative(n.created_at, i18n.language)}
            </Text>
            {showLink && (
              <Anchor component={Link} to={link.to} size="xs" onClick={onFollow} data-testid="notification-link">
                {t(`notifications.links.${link.label}`)}
              </Anchor>
            )}
          </Group>
        </Box>
        {!n.is_read && (
          <ActionIcon variant="subtle" size="sm" onClick={onRead} aria-label={t('notifications.markRead', { title: n.title })} title={t('notifications.markReadShort')} data-testid="notification-read">
            <IconCheck size={16} aria-hidden />
          </ActionIcon>
        )}
      </Group>
    </Box>
  );
}
