// BackupFolderCard: where backups go. An administrator types the folder's full path (or, in the
// desktop window, chooses it); the server checks it can write there. A folder fixed by the
// server's environment is shown read-only. Moving the folder moves the WAL archive (recovery
// to a moment) only at Chelal's next start, which the card says.
import { Alert, Button, Card, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFolder } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api';
import type { BackupFolder } from '../api/types';
import { problemMessage, serverFieldErrors } from '../forms/errors';
import { chooseFolder } from '../platform/desktop';
import { BACKUPS_KEY, BACKUP_FOLDER_KEY, useBackupFolder } from './queries';
import { QueryError } from '../shell/PageState';

export function BackupFolderCard() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const folder = useBackupFolder();
  const [dir, setDir] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const choose = chooseFolder();

  // The input shows the server's folder until the administrator types another.
  const serverDir = folder.data?.dir;
  useEffect(() => {
    if (serverDir !== undefined) setDir(serverDir);
  }, [serverDir]);

  const save = useMutation({
    mutationFn: (next: string) => unwrap(api.client.PUT('/api/v1/backups/folder', { body: { dir: next } })),
    onMutate: () => {
      setFieldError(null);
      setMessage(null);
    },
    onSuccess: (f: BackupFolder) => {
      qc.setQueryData(BACKUP_FOLDER_KEY, f);
      setDir(f.dir);
      notifications.show({ color: 'teal', message: t('backups.folderSaved', { dir: f.dir }) });
      // the list is now the new folder's
      void qc.invalidateQueries({ queryKey: BACKUPS_KEY });
    },
    onError: (err) => {
      const { errors, rest } = serverFieldErrors(err, ['dir'], t, i18n.language);
      if (errors.dir) {
        setFieldError(errors.dir);
        if (rest.length) setMessage(rest.join(' '));
        return;
      }
      setMessage(err instanceof ApiError && err.code === 'backup-folder-fixed' && err.detail ? err.detail : problemMessage(err, t, i18n.language));
      // fixed meanwhile (or the folder moved): show what the server says now
      void qc.invalidateQueries({ queryKey: BACKUP_FOLDER_KEY });
    },
  });

  async function pick() {
    if (!choose) return;
    const chosen = await choose(t('backups.folderChooseTitle'));
    if (chosen) {
      setDir(chosen);
      setFieldError(null);
    }
  }

  const f = folder.data;
  const fixed = !!f?.fixed_by;
  return (
    <Card withBorder padding="lg" data-testid="backup-folder" data-fixed={fixed ? 'true' : 'false'}>
      <Stack gap="xs">
        <Title order={4}>{t('backups.folderTitle')}</Title>
        {folder.isPending && <Loader size="sm" aria-label={t('common.loading')} />}
        <QueryError query={folder} />
        {f && (
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              if (!fixed && !save.isPending) save.mutate(dir.trim());
            }}
          >
            <Stack gap="xs">
              <Text size="sm">{t('backups.folderHint')}</Text>
              <Group align="flex-start" gap="xs" wrap="nowrap">
                <TextInput
                  name="dir"
                  label={t('backups.folderLabel')}
                  value={dir}
                  onChange={(e) => {
                    setDir(e.currentTarget.value);
                    setFieldError(null);
                  }}
                  readOnly={fixed}
                  error={fieldError}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  style={{ flex: 1 }}
                  autoComplete="off"
                  spellCheck={false}
                  data-testid="backup-folder-input"
                />
                {!fixed && choose && (
                  <Button variant="default" mt={25} leftSection={<IconFolder size={16} />} onClick={() => void pick()} data-testid="backup-folder-choose">
                    {t('backups.folderChoose')}
                  </Button>
                )}
                {!fixed && (
                  <Button type="submit" mt={25} loading={save.isPending} disabled={dir.trim() === f.dir} data-testid="backup-folder-save">
                    {t('common.save')}
                  </Button>
                )}
              </Group>
              {fixed && (
                <Text size="sm" c="dimmed" data-testid="backup-folder-fixed">
                  {t('backups.folderFixed', { name: f.fixed_by })}
                </Text>
              )}
              {message && (
                <Alert color="red" role="alert" data-testid="backup-folder-error">
                  {message}
                </Alert>
              )}
              {f.restart_needed && (
                <Alert color="orange" data-testid="backup-folder-restart">
                  {t('backups.folderRestartNeeded', { dir: f.archive_dir })}
                </Alert>
              )}
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}
