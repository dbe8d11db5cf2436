import { SimpleGrid, Stack, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { HandoverCard } from '../live/HandoverCard';
import { AccountCard } from './AccountCard';
import { LanguageCard } from './LanguageCard';
import { PasswordCard } from './PasswordCard';
import { TwoFactorCard } from './TwoFactorCard';

/** ProfilePage: one's own account: language, password, two-factor authentication. */
export function ProfilePage() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('nav.profile')} · Chelal`);
  return (
    <Stack>
      <Title order={2}>{t('nav.profile')}</Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Stack>
          <AccountCard />
          <LanguageCard />
          <HandoverCard />
        </Stack>
        <Stack>
          <TwoFactorCard />
          <PasswordCard />
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
