// "This computer": the desktop app's LAN sharing (on/off, the address and its QR code for the
// clinic's other workstations) and its data folder. Shown only in the desktop window.
import { Alert, Anchor, Button, Card, Code, Group, Image, List, Stack, Switch, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconFolderOpen } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { desktop } from './desktop';
import { LAN_KEY, useSetLANSharing } from './queries';

export function ThisComputerPage() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('desktop.title')} · Chelal`);
  const d = desktop();
  const status = useQuery({ queryKey: LAN_KEY, queryFn: () => d!.LANStatus(), enabled: d !== null });
  // the desktop's own call, not the API's: any failure says the same
  const sharing = useSetLANSharing({ problem: () => t('desktop.lanFailed') });

  if (!d) return <Alert color="gray">{t('desktop.onlyDesktop')}</Alert>;

  const lan = status.data;
  return (
    <Stack maw={720}>
      <Title order={2}>{t('desktop.title')}</Title>
      <Card withBorder>
        <Stack>
          <Switch
            label={t('desktop.lanSharing')}
            description={t('desktop.lanSharingHint')}
            checked={lan?.enabled ?? false}
            disabled={sharing.busy || !lan}
            onChange={(e) => void sharing.submit(e.currentTarget.checked)}
          />
          {(sharing.message || status.isError) && <Alert color="red">{t('desktop.lanFailed')}</Alert>}
          {lan?.enabled && (
            <Group align="flex-start">
              {lan.qr_png_data_url && <Image src={lan.qr_png_data_url} alt={t('desktop.qrAlt')} w={180} h={180} />}
              <Stack gap={4}>
                <Text fw={500}>{t('desktop.addresses')}</Text>
                <List>
                  {lan.addresses.map((a) => (
                    <List.Item key={a}>
                      <Anchor href={a} target="_blank" rel="noreferrer">
                        {a}
                      </Anchor>
                    </List.Item>
                  ))}
                </List>
                {lan.name_address && (
                  <Text size="sm">
                    {t('desktop.nameAddress')} <Code data-testid="lan-name-address">{lan.name_address}</Code>
                  </Text>
                )}
                <Text size="sm" c="dimmed">
                  {t('desktop.httpsNote')}
                </Text>
              </Stack>
            </Group>
          )}
          {lan?.enabled && lan.fingerprint && (
            <Stack gap={4}>
              {lan.welcome_url && <Text size="sm">{t('desktop.firstTime', { url: lan.welcome_url })}</Text>}
              <Text size="sm" fw={500}>
                {t('desktop.fingerprint')}
              </Text>
              <Code block data-testid="lan-fingerprint" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
                {lan.fingerprint}
              </Code>
            </Stack>
          )}
        </Stack>
      </Card>
      <Card withBorder>
        <Group justify="space-between">
          <Text>{t('desktop.dataFolderHint')}</Text>
          <Button leftSection={<IconFolderOpen size={18} />} variant="default" onClick={() => void d.OpenDataFolder()}>
            {t('desktop.openDataFolder')}
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}
