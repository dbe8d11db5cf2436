// A page's own record while it loads, and when it cannot be read (the reason, and the way back);
// a list or card whose query failed (QueryError).
import { Alert, Anchor, Center, Loader, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { problemMessage } from '../forms/errors';

export function PageLoader() {
  const { t } = useTranslation();
  return (
    <Center p="xl">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}

export function PageFailed({ message, back, backLabel }: { message: string; back: string; backLabel: string }) {
  return (
    <Stack>
      <Alert color="red">{message}</Alert>
      <Anchor component={Link} to={back}>
        {backLabel}
      </Anchor>
    </Stack>
  );
}

/** QueryError: why a query could not be read, in red (nothing while it has not failed). */
export function QueryError({ query }: { query: { isError: boolean; error: unknown } }) {
  const { t, i18n } = useTranslation();
  if (!query.isError) return null;
  return <Alert color="red">{problemMessage(query.error, t, i18n.language)}</Alert>;
}
