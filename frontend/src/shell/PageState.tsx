// A page's own record while it loads, and when it cannot be read (the reason, and the way back).
import { Alert, Anchor, Center, Loader, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

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
