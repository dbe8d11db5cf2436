// RestoreDialog: restoring a backup from the UI. It first says what happens (a new database,
// checked, then Chelal restarts on it and everyone logs in again; the current database is
// kept) and asks for the passphrase of an encrypted backup. Then it follows the restore's
// progress, and once Chelal restarted on the restored data, sends the user to the login page.
import { Alert, Button, Code, Group, Loader, Modal, PasswordInput, Progress, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, type NavigateFunction } from 'react-router';
import { ApiError, api, unwrap } from '../api';
import type { RestoreStatus } from '../api/types';
import { signedOut } from '../auth/session';
import { fieldMessage, problemMessage } from '../forms/errors';
import { i18n } from '../i18n';
import { RESTORE_POLL_MS, isFinished, restorePercent, waitForHealth, waitForRestartToBegin } from './restore';

const RESTORE_KEY = ['backups', 'restore'] as const;

/**
 * followRestart waits for Chelal to answer again after it restarted on the restored data, then
 * ends the session here (the restored database has its own) and shows the login page with what
 * happened. It is not tied to the dialog: a request answered 401 meanwhile may already have
 * shown the login page, and the message must still come.
 */
async function followRestart(
  qc: QueryClient,
  navigate: NavigateFunction,
  st: Pick<RestoreStatus, 'database' | 'previous'>,
  onWaiting: (detail: string) => void,
): Promise<boolean> {
  await waitForRestartToBegin(st.database);
  const ok = await waitForHealth({ intervalMs: 1000, timeoutMs: 10 * 60_000, onWaiting });
  if (!ok) return false;
  signedOut(qc);
  navigate('/', { replace: true });
  notifications.hide('session-ended');
  notifications.show({
    id: 'restore-done',
    color: 'teal',
    autoClose: false,
    message: i18n.t('backups.restoreDone', { database: st.database || '-', previous: st.previous || '-' }),
  });
  return true;
}

/** The file to restore: a name of the backup folder's list, or a full path chosen on the desktop. */
export function RestoreDialog({ file, onClose }: { file: string | null; onClose: () => void }) {
  const { t, i18n: { language } } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [passphrase, setPassphrase] = useState('');
  const [started, setStarted] = useState(false);
  const [slow, setSlow] = useState<string | null>(null);
  const [restartFailed, setRestartFailed] = useState(false);
  const following = useRef(false);

  // a new file: a fresh dialog
  useEffect(() => {
    setPassphrase('');
    setStarted(false);
    setSlow(null);
    setRestartFailed(false);
    following.current = false;
  }, [file]);

  const start = useMutation({
    mutationFn: (body: { file: string; passphrase?: string }) => unwrap(api.client.POST('/api/v1/backups/restore', { body })),
    onSuccess: (st) => {
      qc.setQueryData(RESTORE_KEY, st);
      setStarted(true);
    },
  });

  const status = useQuery({
    queryKey: RESTORE_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/backups/restore')),
    enabled: started,
    refetchInterval: (q) => (isFinished(q.state.data) || q.state.error ? false : RESTORE_POLL_MS),
    refetchOnWindowFocus: false,
    staleTime: 0,
    retry: false,
  });
  const st = started ? status.data : undefined;
  // Chelal went into its restart before the last poll saw "done": it answers 503 meanwhile.
  const restartingEarly = started && status.error instanceof ApiError && status.error.status === 503;
  const restarting = (st?.state === 'done' && st.restarting) || restartingEarly;

  useEffect(() => {
    if (!restarting || following.current) return;
    following.current = true;
    const since = Date.now();
    void followRestart(qc, navigate, { database: st?.database, previous: st?.previous }, (detail) => {
      if (Date.now() - since > 60_000) setSlow(detail);
    }).then((ok) => {
      if (!ok) setRestartFailed(true);
    });
  }, [restarting, st, qc, navigate]);

  const busy = start.isPending || (started && !isFinished(st) && !status.isError) || (restarting && !restartFailed);
  const startError = start.error;
  let startMessage: string | null = null;
  if (startError instanceof ApiError && startError.fields.some((f) => f.field === 'file')) {
    startMessage = fieldMessage(startError.fields.find((f) => f.field === 'file')!, t, language);
  } else if (startError instanceof ApiError && startError.code === 'backup-running') {
    startMessage = t('backups.restoreBusy');
  } else if (startError instanceof ApiError && startError.code === 'restore-unavailable') {
    startMessage = startError.detail || problemMessage(startError, t, language);
  } else if (startError) {
    startMessage = problemMessage(startError, t, language);
  }

  const name = file ? file.split(/[\\/]/).pop() || file : '';
  return (
    <Modal
      opened={file !== null}
      onClose={() => {
        if (!busy) onClose();
      }}
      title={t('backups.restoreTitle')}
      size="lg"
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      withCloseButton={!busy}
    >
      {!started && (
        <form
          noValidate
          data-testid="restore-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (file && !start.isPending) start.mutate({ file, ...(passphrase ? { passphrase } : {}) });
          }}
        >
          <Stack gap="sm">
            <Text size="sm">
              {t('backups.restoreExplain', { file: name })}
            </Text>
            {name !== file && <Code block>{file}</Code>}
            <Text size="sm">{t('backups.restoreKept')}</Text>
            <PasswordInput
              name="passphrase"
              label={t('backups.passphrase')}
              description={t('backups.passphraseHint')}
              value={passphrase}
              onChange={(e) => setPassphrase(e.currentTarget.value)}
              autoComplete="off"
            />
            {startMessage && (
              <Alert color="red" role="alert" data-testid="restore-error">
                {startMessage}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose} disabled={start.isPending}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" color="red" loading={start.isPending} data-testid="restore-confirm">
                {t('backups.restoreStart')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {started && (
        <Stack gap="sm" data-testid="restore-status" data-state={restarting ? 'restarting' : (st?.state ?? 'running')}>
          {st?.state === 'running' && (
            <Stack gap="xs" data-testid="restore-progress">
              <Text size="sm">{t('backups.restoreRunning', { file: name })}</Text>
              <Progress value={restorePercent(st)} animated striped size="lg" aria-label={t('backups.restoreRunning', { file: name })} />
              <Text size="sm" c="dimmed">
                {t('backups.restoreProgress', {
                  done: st.tables_done,
                  total: st.tables_total,
                  rows: new Intl.NumberFormat(language).format(st.rows),
                })}
                {st.table ? ` · ${t('backups.restoreTable', { table: st.table })}` : ''}
              </Text>
            </Stack>
          )}
          {restarting && (
            <Alert color="blue" data-testid="restore-restarting">
              <Group gap="sm" wrap="nowrap">
                {!restartFailed && <Loader size="sm" aria-hidden />}
                <Text size="sm">{t('backups.restoreRestarting')}</Text>
              </Group>
              {slow !== null && (
                <Text size="sm" mt="xs">
                  {t('backups.restoreSlow', { detail: slow })}
                </Text>
              )}
            </Alert>
          )}
          {st?.state === 'done' && !st.restarting && (
            <Alert color="teal" data-testid="restore-done">
              {t('backups.restoreDoneNoRestart', { database: st.database || '-' })}
            </Alert>
          )}
          {st?.state === 'failed' && (
            <Alert color="red" role="alert" data-testid="restore-failed">
              {t('backups.restoreFailed', { error: st.error || '-' })}
            </Alert>
          )}
          {status.isError && !restartingEarly && <Alert color="red">{problemMessage(status.error, t, language)}</Alert>}
          {(isFinished(st) && !restarting) || (status.isError && !restartingEarly) ? (
            <Group justify="flex-end">
              <Button onClick={onClose}>{t('backups.close')}</Button>
            </Group>
          ) : null}
        </Stack>
      )}
    </Modal>
  );
}
