// ConsultationCodeCheck: on an administrator's home page, a warning when automatic consultation
// billing charges a catalog code no active service has (closing an encounter would then bill
// nothing for the consultation).
import { Alert, Anchor } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap } from '../api';
import { useClinicSettings } from '../settings/queries';

export function ConsultationCodeCheck() {
  const { t } = useTranslation();
  const settings = useClinicSettings().data;
  const code = settings?.billing_auto_consultation ? settings.billing_consultation_code : '';
  const found = useQuery({
    queryKey: ['services', 'consultation-code', code],
    enabled: code !== '',
    queryFn: () => unwrap(api.client.GET('/api/v1/services', { params: { query: { q: code, active: true, limit: 100 } } })),
    select: (page) => page.items.some((s) => s.code.toUpperCase() === code.toUpperCase()),
  });
  if (!code || found.data !== false) return null;
  return (
    <Alert color="orange" data-testid="consultation-code-missing">
      {t('home.consultationMissing', { code })}{' '}
      <Anchor component={Link} to="/billing/catalog">
        {t('home.openCatalog')}
      </Anchor>
    </Alert>
  );
}
