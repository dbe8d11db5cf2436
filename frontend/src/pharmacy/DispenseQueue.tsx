// The dispensing queue: prescriptions not yet dispensed in full, oldest first, with the
// patient's allergies and the doctor's allergy warning carried over, and the dispense form
// (in full or in part; a retried click is applied once: one Idempotency-Key per form).
import { Alert, Anchor, Badge, Button, Group, Modal, NumberInput, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError, unwrap } from '../api';
import type { DispenseQueueEntry } from '../api/types';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDateTime } from '../i18n/format';
import { invalidatePharmacy, useDispenseQueue } from './queries';
import { defaultDispense } from './stock';

export function DispenseQueue() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const queue = useDispenseQueue();
  const [open, setOpen] = useState<DispenseQueueEntry | null>(null);
  const rows = queue.data ?? [];
  return (
    <Stack data-testid="dispense-queue">
      <Text c="dimmed" data-testid="dispense-waiting">
        {t('pharmacy.queueWaiting', { n: rows.length })}
      </Text>
      {queue.isError && <Alert color="red">{problemMessage(queue.error, t, i18n.language)}</Alert>}
      <Table striped verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('pharmacy.prescribed')}</Table.Th>
            <Table.Th>{t('pharmacy.patient')}</Table.Th>
            <Table.Th>{t('pharmacy.medication')}</Table.Th>
            <Table.Th ta="right">{t('pharmacy.remaining')}</Table.Th>
            <Table.Th ta="right">{t('pharmacy.available')}</Table.Th>
            <Table.Th>{t('pharmacy.prescriber')}</Table.Th>
            <Table.Th>
              <span className="visually-hidden">{t('common.actions')}</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((e) => (
            <Table.Tr key={e.prescription_id} data-prescription={e.prescription_id}>
              <Table.Td>{formatDateTime(e.created_at, i18n.language)}</Table.Td>
              <Table.Td>
                <Anchor component={Link} to={`/patients/${e.patient_id}`} fw={600}>
                  {e.patient_name}
                </Anchor>
                <Text size="xs" c="dimmed" ff="monospace">
                  {e.patient_unique_id}
                </Text>
                {e.known_allergies && (
                  <Badge color="red" variant="light" leftSection={<IconAlertTriangle size={12} />} data-testid="allergies">
                    {t('pharmacy.allergies', { list: e.known_allergies })}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>
                <Text fw={500}>{e.medication_name}</Text>
                <Text size="xs" c="dimmed">
                  {[e.dosage, e.frequency, e.duration].filter(Boolean).join(' · ')}
                </Text>
                {e.allergy_warning && (
                  <Text size="xs" c="red" data-testid="allergy-warning">
                    {t('pharmacy.allergyWarning', { warning: e.allergy_warning, reason: e.allergy_override_reason ?? '' })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">
                {e.remaining_quantity} / {e.quantity}
              </Table.Td>
              <Table.Td ta="right">
                {e.available_quantity === null ? '-' : e.available_quantity}
              </Table.Td>
              <Table.Td>{e.doctor_name}</Table.Td>
              <Table.Td>
                {can('pharmacy.write') && (
                  <Button size="compact-sm" onClick={() => setOpen(e)} data-testid="dispense">
                    {t('pharmacy.dispense')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {queue.isSuccess && rows.length === 0 && <Text c="dimmed">{t('pharmacy.queueEmpty')}</Text>}
      {open && <DispenseModal entry={open} onClose={() => setOpen(null)} />}
    </Stack>
  );
}

function DispenseModal({ entry, onClose }: { entry: DispenseQueueEntry; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [quantity, setQuantity] = useState<number | string>(defaultDispense(entry.remaining_quantity, entry.available_quantity));
  const [key] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const n = Number(quantity);
    if (!Number.isInteger(n) || n < 1 || n > entry.remaining_quantity) {
      setError(t('pharmacy.dispenseRange', { n: entry.remaining_quantity }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const d = await unwrap(
        api.client.POST('/api/v1/prescriptions/{id}/dispense', {
          params: { path: { id: entry.prescription_id } },
          body: { quantity: n },
          headers: { 'Idempotency-Key': key },
        }),
      );
      await invalidatePharmacy(qc);
      notifications.show({
        color: 'teal',
        message: t('pharmacy.dispensed', { n: d.quantity, name: d.medication_name, batches: d.batches.map((b) => b.batch_number).join(', ') }),
      });
      onClose();
    } catch (err) {
      setError(problemMessage(err, t, i18n.language));
      // the stock or the prescription changed meanwhile: show the queue as it now is
      if (err instanceof ApiError && err.status === 409) await invalidatePharmacy(qc);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('pharmacy.dispenseTitle', { name: entry.medication_name, patient: entry.patient_name })}>
      <form onSubmit={submit} noValidate data-testid="dispense-form">
        <Stack>
          {(entry.allergy_warning || entry.known_allergies) && (
            <Alert color="red" icon={<IconAlertTriangle />} data-testid="dispense-allergy">
              {entry.known_allergies && <div>{t('pharmacy.allergies', { list: entry.known_allergies })}</div>}
              {entry.allergy_warning && <div>{t('pharmacy.allergyWarning', { warning: entry.allergy_warning, reason: entry.allergy_override_reason ?? '' })}</div>}
            </Alert>
          )}
          <Text size="sm">
            {[entry.dosage, entry.frequency, entry.duration, entry.instructions].filter(Boolean).join(' · ')}
          </Text>
          {entry.medication_id === null && <Alert color="yellow">{t('pharmacy.freeText')}</Alert>}
          <NumberInput
            label={t('pharmacy.quantityLabel')}
            description={t('pharmacy.dispenseHint', { remaining: entry.remaining_quantity, available: entry.available_quantity ?? '-' })}
            value={quantity}
            onChange={setQuantity}
            min={1}
            max={entry.remaining_quantity}
            allowDecimal={false}
            allowNegative={false}
            data-autofocus
            name="quantity"
          />
          {error && (
            <Alert color="red" role="alert" data-testid="form-error">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy} disabled={entry.medication_id === null} data-testid="dispense-submit">
              {t('pharmacy.dispense')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
