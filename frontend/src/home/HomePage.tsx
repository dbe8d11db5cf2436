// HomePage: the start screen of each role: a greeting, the day at the reception (the queue and
// the next appointments) for those who work the schedule, the age of the last verified backup
// and low disk space warnings for administrators, and the role's work areas.
import { Card, Group, SimpleGrid, Stack, Text, ThemeIcon, Title, UnstyledButton } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { TodayCards } from '../appointments/TodayCards';
import { DiskWarning } from '../backups/DiskWarning';
import { LastBackupLine } from '../backups/LastBackupLine';
import { useSession } from '../auth/session';
import { formatDate } from '../i18n/format';
import { ConsultationCodeCheck } from './ConsultationCodeCheck';
import { MonthAtAGlance } from './MonthAtAGlance';
import { AREA_ICONS } from '../shell/areaIcons';
import { visibleAreas } from '../shell/areas';
import { roleLabel } from '../shell/roleLabel';

export function HomePage() {
  const { t, i18n } = useTranslation();
  const { user, permissions, can } = useSession();
  useDocumentTitle(`${t('nav.home')} · Chelal`);
  const areas = visibleAreas(permissions);
  return (
    <Stack>
      <div>
        <Title order={2}>{t('home.welcome', { name: user.first_name || user.username })}</Title>
        <Text c="dimmed">
          {t('home.today', { date: formatDate(new Date(), i18n.language) })} · {roleLabel(user.role, t)}
        </Text>
      </div>
      {can('backups.manage') && <LastBackupLine />}
      {can('backups.manage') && <DiskWarning />}
      {can('settings.write') && can('billing.read') && <ConsultationCodeCheck />}
      {can('appointments.read') && <TodayCards />}
      {can('reports.clinical') && <MonthAtAGlance />}
      {areas.length === 0 ? (
        <Text>{t('home.noAreas')}</Text>
      ) : (
        <>
          <Text>{t('home.yourAreas')}</Text>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-testid="home-areas">
            {areas.map((a) => {
              const Icon = AREA_ICONS[a.key];
              return (
                <UnstyledButton key={a.key} component={Link} to={a.path} className="home-card" data-area={a.key}>
                  <Card withBorder padding="lg" h="100%">
                    <Group wrap="nowrap" align="flex-start">
                      <ThemeIcon size={40} radius="md" variant="light" aria-hidden>
                        <Icon size={24} />
                      </ThemeIcon>
                      <div>
                        <Text fw={600}>{t(`areas.${a.key}`)}</Text>
                        <Text size="sm" c="dimmed">
                          {t(`areaHints.${a.key}`)}
                        </Text>
                      </div>
                    </Group>
                  </Card>
                </UnstyledButton>
              );
            })}
          </SimpleGrid>
        </>
      )}
      {!can('appointments.read') && (
        <Text size="sm" c="dimmed">
          {t('home.emptyNote')}
        </Text>
      )}
    </Stack>
  );
}
