// The prescriptions area. For the pharmacy (pharmacy.write) it is the dispensing queue; the
// prescriber's screens arrive with the clinical release, until then their empty state.
import { Stack, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { DispenseQueue } from '../pharmacy/DispenseQueue';
import { AreaPlaceholder } from '../shell/AreaPlaceholder';

export function PrescriptionsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  useDocumentTitle(`${t('areas.prescriptions')} · Chelal`);
  if (!can('pharmacy.write')) return <AreaPlaceholder area="prescriptions" />;
  return (
    <Stack data-area-page="prescriptions">
      <Title order={2}>{t('areas.prescriptions')}</Title>
      <DispenseQueue />
    </Stack>
  );
}
