// The patients area: the search page (/patients?q=, where the header's box lands), the
// registration modal (/patients/new) and a patient's chart (/patients/12).
import { Button, Group, Kbd, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconUserPlus } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../auth/session';
import { PatientChart } from './PatientChart';
import { PatientPicker } from './PatientPicker';
import { PatientRegisterModal } from './PatientRegisterModal';

export function PatientsPage() {
  return (
    <Routes>
      <Route index element={<PatientSearchPage />} />
      <Route path="new" element={<PatientSearchPage registering />} />
      <Route path=":id/*" element={<PatientChart />} />
    </Routes>
  );
}

function PatientSearchPage({ registering = false }: { registering?: boolean }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  useDocumentTitle(`${t('areas.patients')} · Chelal`);
  const q = params.get('q') ?? '';
  // The box is local state (typing, or a barcode scanner, outruns URL updates); the URL
  // follows it, and a new ?q= from elsewhere (the header search) replaces it.
  const [text, setText] = useState(q);
  const written = useRef<string[]>([]); // values sent to the URL that it has not shown yet
  useEffect(() => {
    const mine = written.current.indexOf(q);
    if (mine >= 0) written.current.splice(0, mine + 1);
    else setText(q);
  }, [q]);
  const writable = can('patients.write');
  const register = (
    <Button component={Link} to="/patients/new" leftSection={<IconUserPlus size={18} />} className="no-print" data-testid="register-patient">
      {t('patients.register')}
    </Button>
  );

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('areas.patients')}</Title>
        {writable && register}
      </Group>
      <PatientPicker
        value={text}
        onChange={(v) => {
          setText(v);
          written.current.push(v);
          setParams(v ? { q: v } : {}, { replace: true });
        }}
        onPick={(p) => navigate(`/patients/${p.id}`)}
        autoFocus={!registering}
        testId="patient-search-page"
        paged
        noneAction={
          writable && (
            <Button component={Link} to={`/patients/new?q=${encodeURIComponent(text.trim())}`} variant="light" size="compact-sm" data-testid="register-from-search">
              {t('patients.register')}
            </Button>
          )
        }
      />
      {!text.trim() && (
        <Text c="dimmed" size="sm">
          {t('patients.searchHelp')} <Kbd>/</Kbd>
        </Text>
      )}
      {writable && registering && <PatientRegisterModal />}
    </Stack>
  );
}
