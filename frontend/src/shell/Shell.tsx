// Shell: the frame every screen lives in: header (search, notifications, language, the user), role-aware
// navigation, the routes, and the automatic logoff.
import { AppShell, Burger, Group } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes } from 'react-router';
import { AboutPage } from '../about/AboutPage';
import { AppointmentsPage } from '../appointments/AppointmentsPage';
import { AuditPage } from '../audit/AuditPage';
import { IdleLogoff } from '../auth/IdleLogoff';
import { LiveEvents, LiveStatusBadge } from '../live/LiveEvents';
import { useSession } from '../auth/session';
import { BackupsPage } from '../backups/BackupsPage';
import { ImportsPage } from '../imports/ImportsPage';
import { BillingPage } from '../billing/BillingPage';
import { ConsultationsPage } from '../clinical/ConsultationsPage';
import { PrescriptionsPage } from '../clinical/PrescriptionsPage';
import { VitalsPage } from '../clinical/VitalsPage';
import { HomePage } from '../home/HomePage';
import { NotificationBell } from '../notifications/NotificationBell';
import { PatientsPage } from '../patients/PatientsPage';
import { PharmacyPage } from '../pharmacy/PharmacyPage';
import { LabPage } from '../lab/LabPage';
import { ThisComputerPage } from '../platform/ThisComputerPage';
import { ProfilePage } from '../profile/ProfilePage';
import { ReportsPage } from '../reports/ReportsPage';
import { SettingsPage } from '../settings/SettingsPage';
import { UsersPage } from '../users/UsersPage';
import { VideoVisitPage } from '../telemed/VideoVisitPage';
import { Brand } from './Brand';
import { HeaderSearch } from './HeaderSearch';
import { LanguageMenu } from './LanguageMenu';
import { Navigation } from './Navigation';
import { NotAllowed, NotFound } from './NotFound';
import { RequireArea } from './RequireArea';
import { UserMenu } from './UserMenu';

export function Shell() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <AppShell.Header className="no-print">
        <Group h="100%" px={{ base: 'xs', sm: 'md' }} gap="xs" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.toggle')} />
            <Link to="/" className="brand" aria-label={`Chelal, ${t('nav.home')}`}>
              <Brand compact />
            </Link>
            {can('patients.read') && <HeaderSearch />}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LiveStatusBadge />
            <NotificationBell />
            <LanguageMenu />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" className="no-print">
        <Navigation onNavigate={close} />
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Routes>
          <Route index element={<HomePage />} />
          {/* the patients area is the registering roles' work, but everyone who may read a
              patient (pharmacists, cashiers) opens charts from the header search */}
          <Route path="patients/*" element={can('patients.read') ? <PatientsPage /> : <RequireArea area="patients"><PatientsPage /></RequireArea>} />
          <Route path="appointments/*" element={<RequireArea area="appointments"><AppointmentsPage /></RequireArea>} />
          <Route path="consultations/*" element={<RequireArea area="consultations"><ConsultationsPage /></RequireArea>} />
          <Route path="vitals/*" element={<RequireArea area="vitals"><VitalsPage /></RequireArea>} />
          <Route path="prescriptions/*" element={<RequireArea area="prescriptions"><PrescriptionsPage /></RequireArea>} />
          <Route path="pharmacy/*" element={<RequireArea area="pharmacy"><PharmacyPage /></RequireArea>} />
          <Route path="lab/*" element={<RequireArea area="lab"><LabPage /></RequireArea>} />
          <Route path="billing/*" element={<RequireArea area="billing"><BillingPage /></RequireArea>} />
          <Route path="reports/*" element={<RequireArea area="reports"><ReportsPage /></RequireArea>} />
          <Route path="users/*" element={<RequireArea area="users"><UsersPage /></RequireArea>} />
          <Route path="audit/*" element={<RequireArea area="audit"><AuditPage /></RequireArea>} />
          <Route path="backups/*" element={<RequireArea area="backups"><BackupsPage /></RequireArea>} />
          <Route path="imports" element={<RequireArea area="imports"><ImportsPage /></RequireArea>} />
          <Route path="settings/*" element={<RequireArea area="settings"><SettingsPage /></RequireArea>} />
          <Route path="profile" element={<ProfilePage />} />
          <Route path="about" element={can('backups.manage') ? <AboutPage /> : <NotAllowed />} />
          <Route path="this-computer" element={<ThisComputerPage />} />
          <Route path="video/:sessionId/*" element={can('appointments.read') ? <VideoVisitPage /> : <NotAllowed />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </AppShell.Main>
      <IdleLogoff />
      <LiveEvents />
    </AppShell>
  );
}
