// The consultation's laboratory: the doctor orders tests or panels with a clinical note and an
// urgency while the encounter is open; every order below with its status and results (flags,
// critical marks to acknowledge), its report as PDF, and a cancellation with a reason before
// the specimen is collected.
import { Alert, Badge, Button, Card, Group, MultiSelect, SegmentedControl, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconFileTypePdf, IconFlask } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { FormError } from '../forms/FormFooter';
import { ReasonModal } from '../forms/ReasonModal';
import { formatDateTime } from '../i18n/format';
import { PdfButton } from '../shell/PdfButton';
import { ResultsTable } from './ResultsTable';
import { useCancelLabOrder, useEncounterLabOrders, useLabTests, usePlaceLabOrder, type LabOrder } from './queries';

type Urgency = 'routine' | 'urgent' | 'stat';

export function LabOrderPanel({ encounterId, open }: { encounterId: number; open: boolean }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const mayOrder = open && can('lab.order');
  const orders = useEncounterLabOrders(encounterId, can('lab.read'));
  const tests = useLabTests();
  const [picked, setPicked] = useState<string[]>([]);
  const [urgency, setUrgency] = useState<Urgency>('routine');
  const [note, setNote] = useState('');
  const [cancelling, setCancelling] = useState<LabOrder | null>(null);
  const place = usePlaceLabOrder(encounterId, {
    success: t('lab.ordered'),
    close: () => {
      setPicked([]);
      setNote('');
      setUrgency('routine');
    },
  });
  if (!can('lab.read')) return null;
  return (
    <Stack data-testid="lab-panel">
      <Group gap="xs">
        <IconFlask size={20} />
        <Title order={3}>{t('lab.title')}</Title>
      </Group>
      {mayOrder && (
        <Stack gap="xs" data-testid="lab-order-form">
          <MultiSelect
            label={t('lab.tests')}
            searchable
            data={(tests.data ?? []).map((x) => ({ value: String(x.id), label: `${x.name} (${x.code})` }))}
            value={picked}
            onChange={setPicked}
            data-testid="lab-tests"
          />
          <Group align="end">
            <SegmentedControl
              value={urgency}
              onChange={(v) => setUrgency(v as Urgency)}
              data={(['routine', 'urgent', 'stat'] as const).map((u) => ({ value: u, label: t(`lab.urgency.${u}`) }))}
              data-testid="lab-urgency"
            />
          </Group>
          <Textarea label={t('lab.clinicalNote')} value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} autosize minRows={1} data-testid="lab-note" />
          <FormError message={place.message} />
          <Group>
            <Button
              disabled={picked.length === 0}
              loading={place.busy}
              onClick={() => place.submit({ test_ids: picked.map(Number), urgency, clinical_note: note })}
              data-testid="lab-order"
            >
              {t('lab.order')}
            </Button>
          </Group>
        </Stack>
      )}
      {orders.data?.length === 0 && <Text c="dimmed">{t('lab.noOrders')}</Text>}
      {orders.data?.map((o) => (
        <Card withBorder key={o.id} data-testid="lab-order-card" data-status={o.status}>
          <Group justify="space-between">
            <Group gap="xs">
              <Text fw={500}>{o.tests.join(', ')}</Text>
              <Badge variant="light">{t(`lab.status.${o.status}`)}</Badge>
              {o.urgency !== 'routine' && <Badge color="orange">{t(`lab.urgency.${o.urgency}`)}</Badge>}
            </Group>
            <Group gap="xs">
              <Text size="sm" c="dimmed">
                {formatDateTime(o.created_at, i18n.language)}
              </Text>
              {o.status === 'ordered' && can('lab.order') && (
                <Button size="compact-sm" variant="subtle" color="red" onClick={() => setCancelling(o)} data-testid="lab-cancel">
                  {t('lab.cancel')}
                </Button>
              )}
              <PdfButton href={`/api/v1/lab/orders/${o.id}/report.pdf`} size="compact-sm" icon={<IconFileTypePdf size={16} />} data-testid="lab-report-pdf">
                {t('lab.reportPdf')}
              </PdfButton>
            </Group>
          </Group>
          {o.clinical_note && (
            <Text size="sm" c="dimmed">
              {o.clinical_note}
            </Text>
          )}
          {o.status === 'cancelled' ? (
            <Alert color="gray">{t('lab.cancelledBecause', { reason: o.cancel_reason })}</Alert>
          ) : (
            <ResultsTable results={o.results} canAcknowledge={can('lab.order')} />
          )}
        </Card>
      ))}
      {cancelling && (
        <ReasonModal
          title={t('lab.cancelTitle')}
          label={t('lab.cancelReason')}
          submitLabel={t('lab.cancel')}
          submitColor="red"
          testId="lab-cancel"
          draftId={`lab-cancel-${cancelling.id}`}
          useSave={(options) => useCancelLabOrder(cancelling, { ...options, success: t('lab.cancelled') })}
          onClose={() => setCancelling(null)}
        />
      )}
    </Stack>
  );
}
