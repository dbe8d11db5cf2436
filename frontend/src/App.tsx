// App: providers (Mantine, dates, notifications, TanStack Query, router) and the top-level
// choice between the setup wizard, the login screen and the shell.
import { Alert, Button, Center, Loader, MantineProvider, Menu, Modal, Stack, createTheme } from '@mantine/core';
import { DatesProvider } from '@mantine/dates';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter } from 'react-router';
import { ApiError, connectivity, NetworkError, onUnauthorized } from './api';
import { LoginPage } from './auth/LoginPage';
import { applyUserLanguage, sessionEnded, SessionProvider, useMe, useSetupStatus } from './auth/session';
import { problemMessage } from './forms/errors';
import { OfflineBanner } from './shell/OfflineBanner';
import { setClinicDateFormat } from './forms/dates';
import { setClinicFormat } from './i18n/format';
import { useClinicSettings } from './settings/queries';
import { accessibleColors } from './styles/colors';

// The screens behind the login (and the first-run wizard) load only when they are shown: a
// workstation's first visit on the clinic's Wi-Fi moves the login page and no more.
const Shell = lazy(() => import('./shell/Shell').then((m) => ({ default: m.Shell })));
const SetupWizard = lazy(() => import('./auth/SetupWizard').then((m) => ({ default: m.SetupWizard })));
const DisplayPage = lazy(() => import('./display/DisplayPage').then((m) => ({ default: m.DisplayPage })));
const PatientCallPage = lazy(() => import('./telemed/PatientCallPage').then((m) => ({ default: m.PatientCallPage })));

const theme = createTheme({
  primaryColor: 'teal',
  colors: accessibleColors,
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Ubuntu, Cantarell, "Helvetica Neue", Arial, sans-serif',
});

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // a request the server refused will be refused again; an unreachable server is
      // watched by the connectivity poll, which refetches everything on recovery
      retry: (count, err) => !(err instanceof NetworkError) && !(err instanceof ApiError && err.status < 500) && count < 2,
    },
    mutations: { retry: false },
  },
});

connectivity.onRecovered(() => void queryClient.invalidateQueries());
onUnauthorized((err) => sessionEnded(queryClient, err));

function Localized({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  return <DatesProvider settings={{ locale: i18n.language, firstDayOfWeek: 1 }}>{children}</DatesProvider>;
}

function Root() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const setup = useSetupStatus();
  const me = useMe();
  const user = me.data?.user;

  // The user's language applies when the session is known (at login, after a reload).
  useEffect(() => {
    if (user) applyUserLanguage(user);
  }, [user?.id, user?.language_preference]);

  const loading = (
    <Center mih="100vh">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
  if (setup.isPending || (me.isPending && !setup.data?.needed)) return loading;
  if (setup.data?.needed) {
    return (
      <Suspense fallback={loading}>
        <SetupWizard />
      </Suspense>
    );
  }
  if (setup.isError || me.isError) {
    return (
      <Center mih="100vh" p="md">
        <Stack maw={480}>
          <Alert color="red" title={t('problems.startTitle')}>
            {problemMessage(setup.error ?? me.error, t, i18n.language)}
          </Alert>
          <Button onClick={() => void qc.invalidateQueries()}>{t('common.retry')}</Button>
        </Stack>
      </Center>
    );
  }
  if (!me.data) return <LoginPage />;
  return (
    <SessionProvider info={me.data}>
      <ClinicFormat>
        <Suspense fallback={loading}>
          <Shell />
        </Suspense>
      </ClinicFormat>
    </SessionProvider>
  );
}

/**
 * ClinicFormat renders the screens once the clinic's time zone and currency are known, so no
 * time is ever shown in the workstation's zone first (a failed read shows them as before).
 */
function ClinicFormat({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const settings = useClinicSettings();
  if (settings.isPending) {
    return (
      <Center mih="100vh">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  // the zone in effect: the clinic's setting, else the server's own (never this workstation's)
  setClinicFormat(settings.data?.zone || settings.data?.timezone, settings.data?.currency);
  setClinicDateFormat(settings.data?.date_format);
  return <>{children}</>;
}

export function App() {
  const { t, i18n } = useTranslation();
  // Every modal's close button is named for screen readers, in the user's language; menus hold
  // only menu items (no focus placeholder, which a screen reader would meet as a stray child).
  const themed = useMemo(
    () =>
      createTheme({
        ...theme,
        components: {
          Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': t('common.close') } } }),
          Menu: Menu.extend({ defaultProps: { withInitialFocusPlaceholder: false } }),
        },
      }),
    [t, i18n.language],
  );
  return (
    <MantineProvider theme={themed} defaultColorScheme="light">
      <Localized>
        {/* bottom right: the header (search, bell, menus) and each page's action buttons are at the top,
            where a toast would cover them (and hovering a toast stops its closing) */}
        <Notifications position="bottom-right" />
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            {/* a waiting-room TV: no staff session, its display token instead */}
            {window.location.pathname === '/display' ? (
              <Suspense fallback={null}>
                <DisplayPage />
              </Suspense>
            ) : window.location.pathname === '/call' ? (
              /* a patient's video consultation: no staff session, the link's code instead */
              <Suspense fallback={null}>
                <PatientCallPage />
              </Suspense>
            ) : (
              <Root />
            )}
            <OfflineBanner />
          </BrowserRouter>
        </QueryClientProvider>
      </Localized>
    </MantineProvider>
  );
}
