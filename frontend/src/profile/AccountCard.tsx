import { Alert, Avatar, Button, Card, FileButton, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconPhoto } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { toApiError } from '../api/client';
import type { User } from '../api/types';
import { updateSessionUser, useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDate } from '../i18n/format';
import { roleLabel } from '../shell/roleLabel';

const MAX_IMAGE = 2 << 20;

/** AccountCard shows who one is, and sets one's profile image (PNG or JPEG, 2 MiB at most). */
export function AccountCard() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const qc = useQueryClient();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function upload(file: File | null) {
    if (!file) return;
    setMessage(null);
    if (file.size > MAX_IMAGE) {
      setMessage(t('profile.imageTooLarge'));
      return;
    }
    setBusy(true);
    try {
      // The schema does not type this raw body; api.fetch adds the CSRF header all the same.
      const res = await api.fetch('/api/v1/auth/me/profile-image', { method: 'PUT', body: file, headers: { 'Content-Type': file.type } });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) throw toApiError(res, body);
      updateSessionUser(qc, (body as { user: User }).user);
    } catch (err) {
      setMessage(problemMessage(err, t, i18n.language));
    } finally {
      setBusy(false);
    }
  }

  const rows: [string, string][] = [
    [t('fields.username'), user.username],
    [t('fields.email'), user.email],
    [t('fields.role'), roleLabel(user.role, t)],
    [t('fields.date_joined'), formatDate(user.date_joined, i18n.language)],
  ];
  return (
    <Card withBorder padding="lg">
      <Stack>
        <Group wrap="nowrap">
          <Avatar src={user.has_profile_image ? `/api/v1/users/${user.id}/profile-image?v=${user.version}` : null} size={72} radius="xl" alt="">
            {(user.first_name[0] ?? user.username[0] ?? '?').toUpperCase()}
          </Avatar>
          <div>
            <Title order={3} size="h4">
              {`${user.first_name} ${user.last_name}`.trim() || user.username}
            </Title>
            <FileButton onChange={(f) => void upload(f)} accept="image/png,image/jpeg">
              {(props) => (
                <Button {...props} variant="subtle" size="compact-sm" leftSection={<IconPhoto size={14} />} loading={busy} className="no-print">
                  {t('profile.changeImage')}
                </Button>
              )}
            </FileButton>
          </div>
        </Group>
        {message && <Alert color="red">{message}</Alert>}
        <Table variant="vertical" withRowBorders={false}>
          <Table.Tbody>
            {rows.map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Th w={160}>{k}</Table.Th>
                <Table.Td>{v}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="xs" c="dimmed">
          {t('profile.askAdmin')}
        </Text>
      </Stack>
    </Card>
  );
}
