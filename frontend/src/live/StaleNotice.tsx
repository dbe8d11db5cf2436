// StaleNotice: shown on an edit form as soon as its record was saved by someone else (a live
// event with a newer version), so that the user reloads before typing more, rather than
// learning it from a refused save.
import { Alert, Button } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { useChangedElsewhere } from './live';

export function StaleNotice({ kind, id, version, onReload }: { kind: string; id: number; version: number | undefined; onReload: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const ev = useChangedElsewhere(kind, id, version, user.id);
  if (!ev) return null;
  return (
    <Alert color="yellow" data-testid="stale-notice" title={ev.by_name ? t('live.changedBy', { name: ev.by_name }) : t('live.changed')}>
      <Button size="compact-sm" variant="light" leftSection={<IconRefresh size={14} aria-hidden />} onClick={onReload}>
        {t('live.reload')}
      </Button>
    </Alert>
  );
}
