// DisplaysCard (settings): the waiting-room displays. An administrator creates one (its link,
// with the token, is shown once: open it on the TV) and revokes it (the TV is refused at once).
import { Alert, Button, Card, Code, CopyButton, Group, NativeSelect, Stack, Switch, Table, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { formatDateTime } from '../i18n/format';
import { ENDONYMS, LANGUAGES } from '../i18n/languages';
import { ButtonCell } from '../shell/ActionsTh';
import { CardHeading } from '../shell/CardHeading';
import { DISPLAYS_KEY, useCreateDisplay, useRevokeDisplay } from './queries';

export function DisplaysCard() {
  const { t, i18n } = useTranslation();
  const list = useQuery({ queryKey: DISPLAYS_KEY, queryFn: () => unwrap(api.client.GET('/api/v1/displays')) });
  const [name, setName] = useState('');
  const [showNames, setShowNames] = useState(false);
  const [language, setLanguage] = useState<string>(i18n.language);
  const [link, setLink] = useState<string | null>(null);
  const create = useCreateDisplay({
    onSuccess: (d) => {
      setLink(`${window.location.origin}/display?token=${encodeURIComponent(d.token ?? '')}`);
      setName('');
    },
  });
  const revoke = useRevokeDisplay();
  const error = create.message ?? revoke.message;

  return (
    <Card withBorder padding="lg" data-testid="displays-card">
      <Stack>
        <CardHeading title={t('displays.title')} help={t('displays.help')} />
        <Group align="flex-end">
          <TextInput label={t('displays.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="display-name" />
          <NativeSelect label={t('displays.language')} value={language} onChange={(e) => setLanguage(e.currentTarget.value)} data={LANGUAGES.map((l) => ({ value: l, label: ENDONYMS[l] }))} />
          <Switch label={t('displays.showNames')} checked={showNames} onChange={(e) => setShowNames(e.currentTarget.checked)} />
          <Button loading={create.busy} onClick={() => void create.submit({ name, show_names: showNames, language: language as 'en' })} disabled={!name.trim()} data-testid="display-create">
            {t('displays.create')}
          </Button>
        </Group>
        {error && <Alert color="red">{error}</Alert>}
        {link && (
          <Alert color="teal" title={t('displays.linkTitle')} data-testid="display-link">
            <Stack gap="xs">
              <Code block>{link}</Code>
              <CopyButton value={link}>{({ copied, copy }) => <Button size="compact-sm" variant="light" onClick={copy}>{copied ? t('displays.copied') : t('displays.copy')}</Button>}</CopyButton>
            </Stack>
          </Alert>
        )}
        {(list.data?.items.length ?? 0) > 0 && (
          <Table>
            <Table.Tbody>
              {list.data!.items.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{d.name}</Table.Td>
                  <Table.Td>{ENDONYMS[d.language as 'en'] ?? d.language}</Table.Td>
                  <Table.Td>{d.show_names ? t('displays.names') : t('displays.tickets')}</Table.Td>
                  <Table.Td>{d.revoked_at ? t('displays.revokedAt', { at: formatDateTime(d.revoked_at, i18n.language) }) : null}</Table.Td>
                  <ButtonCell show={!d.revoked_at} color="red" onClick={() => void revoke.submit(d.id)}>
                    {t('displays.revoke')}
                  </ButtonCell>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
