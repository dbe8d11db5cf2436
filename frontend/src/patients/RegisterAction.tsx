// RegisterAction: offered beside a patient search that found nobody (a file of its own: the
// session it reads would pull the app's i18n setup into what PatientPicker's tests import).
import { Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSession } from '../auth/session';

/** RegisterAction: when the search found nobody, registering (for those who may). */
export function RegisterAction() {
  const { t } = useTranslation();
  const { can } = useSession();
  if (!can('patients.write')) return null;
  return (
    <Button component={Link} to="/patients/new" variant="light" size="compact-sm">
      {t('patients.register')}
    </Button>
  );
}
