// LoginLocks: the current login throttles (GET /api/v1/login-throttles) on the Users screen:
// which account, from which client, how many failures, locked until when; an administrator
// with users.write clears an account's (or an address's) failed attempts at once (audited).
import { Alert, Badge, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../api';
import { problemMessage } from '../forms/errors';
import { formatTime } from '../i18n/format';
import { ButtonCell } from '../shell/ActionsTh';
import { TableHead } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

export const LOGIN_THROTTLES_KEY = ['login-throttles'] as const;

type Throttle = Schemas['LoginThrottle'];

export function LoginLocks({ writable }: { writable: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const throttles = useQuery({
    queryKey: LOGIN_THROTTLES_KEY,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/login-throttles'))).items,
  });

  async function clear(th: Throttle) {
    setError(null);
    const query = th.username ? { username: th.username } : { ip: th.ip ?? '' };
    const name = th.username || th.ip || '';
    try {
      await unwrap(api.client.DELETE('/api/v1/login-throttles', { params: { query } }));
      notifications.show({ color: 'teal', message: t('users.locks.cleared', { name }) });
    } catch (err) {
      setError(problemMessage(err, t, i18n.language));
    }
    await qc.invalidateQueries({ queryKey: LOGIN_THROTTLES_KEY });
  }

  const items = throttles.data ?? [];
  return (
    <Stack gap="xs" data-testid="login-locks">
      <Title order={3}>{t('users.locks.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('users.locks.intro')}
      </Text>
      <QueryError query={throttles} />
      {error && <Alert color="red">{error}</Alert>}
      {throttles.isSuccess && items.length === 0 ? (
        <Text c="dimmed">{t('users.locks.none')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped verticalSpacing="xs">
            <TableHead
              columns={[t('users.locks.account'), t('users.locks.from'), t('users.locks.failures'), t('users.locks.lockedUntil')]}
              actions={writable && 'no-print'}
            />
            <Table.Tbody>
              {items.map((th, i) => {
                const name = th.username || th.ip || '';
                return (
                  <Table.Tr key={`${th.scope}-${th.username ?? ''}-${th.ip ?? ''}-${i}`} data-scope={th.scope} data-username={th.username ?? ''}>
                    <Table.Td>{th.scope === 'client' ? t('users.locks.allAccounts') : th.username}</Table.Td>
                    <Table.Td>
                      {th.scope === 'account' ? t('users.locks.everyNewWorkstation') : th.ip}{' '}
                      {th.known_workstation && (
                        <Badge color="teal" variant="light">
                          {t('users.locks.known')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{th.failures}</Table.Td>
                    <Table.Td>
                      {th.locked_until ? (
                        <Badge color="red" variant="light">
                          {formatTime(th.locked_until, i18n.language)}
                        </Badge>
                      ) : (
                        t('users.locks.notLocked')
                      )}
                    </Table.Td>
                    {writable && (
                      <ButtonCell cell={{ className: 'no-print' }} color="orange" onClick={() => void clear(th)} aria-label={t('users.locks.clearNamed', { name })}>
                        {t('users.locks.clear')}
                      </ButtonCell>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
