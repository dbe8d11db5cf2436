// UsersPage: the clinic's users (administrators), a page of 50 at a time. Creating and
// editing happen in modals that have their own URLs (/users/new, /users/12), so a reload or a
// lost connection brings the user back to the same form with its draft. Below the users, the
// current login locks (LoginLocks).
import { Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconPencil, IconUserPlus } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes } from 'react-router';
import { api, unwrap } from '../api';
import { useSession } from '../auth/session';
import { formatDate } from '../i18n/format';
import { ENDONYMS, isLanguage } from '../i18n/languages';
import { roleLabel } from '../shell/roleLabel';
import { LoginLocks } from './LoginLocks';
import { USERS_KEY } from './queries';
import { UserCreateModal } from './UserCreateModal';
import { UserEditModal } from './UserEditModal';
import { TableHead } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

export function UsersPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  useDocumentTitle(`${t('areas.users')} · Chelal`);
  const users = useInfiniteQuery({
    queryKey: USERS_KEY,
    queryFn: ({ pageParam }) =>
      unwrap(api.client.GET('/api/v1/users', { params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = users.data?.pages.flatMap((p) => p.items) ?? [];
  const writable = can('users.write');

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('areas.users')}</Title>
        {writable && (
          <Button component={Link} to="/users/new" leftSection={<IconUserPlus size={18} />} className="no-print" data-testid="new-user">
            {t('users.new')}
          </Button>
        )}
      </Group>
      <QueryError query={users} />
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover verticalSpacing="xs" data-testid="users-table">
          <TableHead
            columns={[
              t('fields.name'),
              t('fields.username'),
              t('fields.role'),
              t('fields.language_preference'),
              t('users.twoFactor'),
              t('users.status'),
              t('fields.date_joined'),
            ]}
            actions={writable && 'no-print'}
          />
          <Table.Tbody>
            {rows.map((u) => {
              const name = `${u.first_name} ${u.last_name}`.trim();
              return (
                <Table.Tr key={u.id} data-username={u.username}>
                  <Table.Td>{name}</Table.Td>
                  <Table.Td>{u.username}</Table.Td>
                  <Table.Td>{roleLabel(u.role, t)}</Table.Td>
                  <Table.Td>{isLanguage(u.language_preference) ? ENDONYMS[u.language_preference] : u.language_preference}</Table.Td>
                  <Table.Td>{u.two_factor_enabled ? <Badge color="teal">{t('users.on')}</Badge> : <Badge color="gray">{t('users.off')}</Badge>}</Table.Td>
                  <Table.Td>
                    {u.is_active ? <Badge color="teal" variant="light">{t('users.active')}</Badge> : <Badge color="red" variant="light">{t('users.inactive')}</Badge>}
                  </Table.Td>
                  <Table.Td>{formatDate(u.date_joined, i18n.language)}</Table.Td>
                  {writable && (
                    <Table.Td className="no-print">
                      <Button
                        component={Link}
                        to={`/users/${u.id}`}
                        size="compact-sm"
                        variant="subtle"
                        leftSection={<IconPencil size={14} />}
                        aria-label={t('users.editNamed', { name: name || u.username })}
                      >
                        {t('common.edit')}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {users.isSuccess && rows.length === 0 && <Text c="dimmed">{t('users.none')}</Text>}
      {users.hasNextPage && (
        <Group justify="center" className="no-print">
          <Button variant="default" loading={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>
            {t('common.loadMore')}
          </Button>
        </Group>
      )}
      <LoginLocks writable={writable} />
      {writable && (
        <Routes>
          <Route path="new" element={<UserCreateModal />} />
          <Route path=":id" element={<UserEditModal />} />
        </Routes>
      )}
    </Stack>
  );
}
