// About Chelal (administrators): the version, the PostgreSQL the records are in, the records'
// schema, and "Update from file": the new executable and its signature (.sig), brought on a
// USB stick, are uploaded with progress, checked by the server (release key, platform, not
// older than the records) and put in place; Chelal then has to be restarted to finish.
import { Alert, Button, Card, FileInput, Group, Loader, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconFileCertificate, IconUpload } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { problemMessage } from '../forms/errors';
import { updateMessage } from './messages';
import { isUpdateCode, updateForm, uploadUpdate, type UpdateResult } from './upload';

export const ABOUT_KEY = ['system', 'about'] as const;

type Phase = { kind: 'idle' } | { kind: 'uploading'; fraction: number } | { kind: 'done'; result: UpdateResult } | { kind: 'failed'; error: unknown };

export function AboutPage() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t('about.title')} · Chelal`);
  const qc = useQueryClient();
  const about = useQuery({ queryKey: ABOUT_KEY, queryFn: () => unwrap(api.client.GET('/api/v1/system/about')) });
  const [executable, setExecutable] = useState<File | null>(null);
  const [signature, setSignature] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });

  async function install() {
    if (!executable || !signature) return;
    setPhase({ kind: 'uploading', fraction: 0 });
    try {
      const form = updateForm(executable, signature, { executable: executable.name, signature: signature.name });
      const result = await uploadUpdate(form, (fraction) => setPhase({ kind: 'uploading', fraction }));
      setPhase({ kind: 'done', result });
    } catch (error) {
      setPhase({ kind: 'failed', error });
    } finally {
      void qc.invalidateQueries({ queryKey: ABOUT_KEY });
    }
  }

  if (about.isPending) return <Loader aria-label={t('common.loading')} />;
  if (about.isError) return <Alert color="red">{problemMessage(about.error, t, i18n.language)}</Alert>;
  const a = about.data;
  const uploading = phase.kind === 'uploading';
  const percent = uploading ? Math.round(phase.fraction * 100) : 0;
  const blocked = a.update_blocked_code
    ? i18n.language === 'en' || !isUpdateCode(a.update_blocked_code)
      ? a.update_blocked
      : t(`about.codes.${a.update_blocked_code}`)
    : '';

  return (
    <Stack maw={760}>
      <Title order={2}>{t('about.title')}</Title>
      <Card withBorder>
        <Table variant="vertical" withRowBorders={false} data-testid="about-facts">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={220}>{t('about.version')}</Table.Th>
              <Table.Td data-testid="about-version">{a.version}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('about.postgres')}</Table.Th>
              <Table.Td data-testid="about-postgres">
                {a.embedded ? t('about.postgresEmbedded', { version: a.postgresql }) : t('about.postgresExternal', { version: a.postgresql })}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('about.schema')}</Table.Th>
              <Table.Td>{t('about.schemaValue', { schema: a.schema, latest: a.latest_schema })}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('about.platform')}</Table.Th>
              <Table.Td>{a.platform}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Card>

      <Card withBorder>
        <Stack>
          <Title order={3}>{t('about.updateTitle')}</Title>
          <Text size="sm">{t('about.updateIntro')}</Text>
          {blocked ? (
            <Alert color="yellow" title={t('about.blocked')} data-testid="update-blocked">
              {blocked}
            </Alert>
          ) : (
            <>
              <FileInput
                label={t('about.executable')}
                placeholder={t('about.executablePlaceholder')}
                leftSection={<IconUpload size={16} />}
                value={executable}
                onChange={setExecutable}
                disabled={uploading}
                clearable
                data-testid="update-executable"
              />
              <FileInput
                label={t('about.signature')}
                placeholder={t('about.signaturePlaceholder')}
                leftSection={<IconFileCertificate size={16} />}
                accept=".sig"
                value={signature}
                onChange={setSignature}
                disabled={uploading}
                clearable
                data-testid="update-signature"
              />
              <Group>
                <Button onClick={() => void install()} disabled={!executable || !signature || uploading} loading={uploading} data-testid="update-install">
                  {t('about.install')}
                </Button>
              </Group>
            </>
          )}
          {uploading && (
            <Stack gap={4} aria-live="polite">
              <Progress value={percent} animated={percent >= 100} aria-label={t('about.uploading', { percent })} />
              <Text size="sm">{percent >= 100 ? t('about.checking') : t('about.uploading', { percent })}</Text>
            </Stack>
          )}
          {phase.kind === 'done' && (
            <Alert color="teal" title={t('about.installedTitle')} data-testid="update-done" role="status">
              <Stack gap="xs">
                <Text size="sm">{t('about.installed', { version: phase.result.version, schema: phase.result.schema, previous: phase.result.previous })}</Text>
                <Text size="sm" fw={700}>
                  {t('about.restart')}
                </Text>
              </Stack>
            </Alert>
          )}
          {phase.kind === 'failed' && (
            <Alert color="red" title={t('about.failedTitle')} data-testid="update-failed" role="alert">
              {updateMessage(phase.error, t, i18n.language)}
            </Alert>
          )}
        </Stack>
      </Card>
    </Stack>
  );
}
