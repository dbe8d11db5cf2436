import { Alert, Avatar, Button, Card, FileButton, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconPhoto } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { formatDate } from '../i18n/format';
import { roleLabel } from '../shell/roleLabel';
import { useUploadProfileImage } from './queries';

const MAX_IMAGE = 2 << 20;

/** AccountCard shows who one is, and sets one's profile image (PNG or JPEG, 2 MiB at most). */
export function AccountCard() {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const image = useUploadProfileImage({});

  function upload(file: File | null) {
    if (!file) return;
    if (file.size > MAX_IMAGE) {
      image.setMessage(t('profile.imageTooLarge'));
      return;
    }
    void image.submit(file);
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
            <FileButton onChange={upload} accept="image/png,image/jpeg">
              {(props) => (
                <Button {...props} variant="subtle" size="compact-sm" leftSection={<IconPhoto size={14} />} loading={image.busy} className="no-print">
                  {t('profile.changeImage')}
                </Button>
              )}
            </FileButton>
          </div>
        </Group>
        {image.message && <Alert color="red">{image.message}</Alert>}
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
