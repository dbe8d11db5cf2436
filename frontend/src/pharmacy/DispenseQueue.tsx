// The dispensing queue: prescriptions not yet dispensed in full, oldest first, with the
// patient's allergies and the doctor's allergy warning carried over in full (never cut short),
// and the dispense form (in full or in part; a retried click is applied once: one
// Idempotency-Key per form; a quantity over what remains is refused, never cut down). A
// free-text prescription is linked to the catalog medication to hand out (the allergy check
// runs again) or sent back to the prescriber. The other lists show what left the queue
// undispensed: stale (older than STALE_AFTER_DAYS), sent back, discontinued.
import { Alert, Button, Group, List, Modal, NumberInput, SegmentedControl, Stack, Table, Text, Textarea, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import type { DispenseQueueEntry, Medication } from '../api/types';
import { useSession } from '../auth/session';
import { FormButtons, FormError } from '../forms/FormFooter';
import { ReasonModal } from '../forms/ReasonModal';
import type { SaveOptions } from '../forms/useApiMutation';
import { formatDateTime } from '../i18n/format';
import { QUEUE_STATUSES, STALE_AFTER_DAYS, useDispense, useDispenseQueue, useLinkPrescription, useMedications, useSendBack, type QueueStatus } from './queries';
import { defaultDispense } from './stock';
import { TableHead, right } from '../shell/TableHead';
import { PatientNameLines } from '../patients/PatientNameLines';
import { QueryError } from '../shell/PageState';

export function DispenseQueue() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [status, setStatus] = useState<QueueStatus>('waiting');
  const queue = useDispenseQueue(status);
  const [open, setOpen] = useState<DispenseQueueEntry | null>(null);
  const [linking, setLinking] = useState<DispenseQueueEntry | null>(null);
  const [sendingBack, setSendingBack] = useState<DispenseQueueEntry | null>(null);
  const rows = queue.data ?? [];
  const waiting = status === 'waiting';
  const statusLabel = (s: QueueStatus) => t(`pharmacy.status${s[0]!.toUpperCase()}${s.slice(1)}` as 'pharmacy.statusWaiting', { n: STALE_AFTER_DAYS });
  return (
    <Stack data-testid="dispense-queue">
      <Group justify="space-between" wrap="wrap">
        <Text c="dimmed" data-testid="dispense-waiting">
          {waiting ? t('pharmacy.queueWaiting', { n: rows.length }) : t('pharmacy.leftQueue', { n: rows.length })}
        </Text>
        <SegmentedControl
          aria-label={t('pharmacy.show')}
          value={status}
          onChange={(v) => setStatus(v as QueueStatus)}
          data={QUEUE_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))}
          data-testid="queue-status"
        />
      </Group>
      {status === 'stale' && <Text size="sm">{t('pharmacy.staleHint', { n: STALE_AFTER_DAYS })}</Text>}
      <QueryError query={queue} />
      <Table striped verticalSpacing="xs">
        <TableHead
          columns={[
            t('pharmacy.prescribed'),
            t('pharmacy.patient'),
            t('pharmacy.medication'),
            right(t('pharmacy.remaining')),
            right(t('pharmacy.available')),
            t('pharmacy.prescriber'),
          ]}
          actions
        />
        <Table.Tbody>
          {rows.map((e) => (
            <Table.Tr key={e.prescription_id} data-prescription={e.prescription_id}>
              <Table.Td>{formatDateTime(e.created_at, i18n.language)}</Table.Td>
              <Table.Td>
                <PatientNameLines id={e.patient_id} name={e.patient_name} uniqueId={e.patient_unique_id} />
                {e.known_allergies && (
                  <Text size="xs" c="red.8" fw={600} className="wrap-anywhere" data-testid="allergies">
                    <IconAlertTriangle size={12} /> {t('pharmacy.allergies', { list: e.known_allergies })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text fw={500}>{e.medication_name}</Text>
                {e.catalog_name && (
                  <Text size="xs" data-testid="catalog-name">
                    {t('pharmacy.linkedAs', { name: e.catalog_name })}
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {[e.dosage, e.frequency, e.duration].filter(Boolean).join(' · ')}
                </Text>
                {e.allergy_warning && (
                  <Text size="xs" c="red.8" className="wrap-anywhere" style={{ whiteSpace: 'pre-line' }} data-testid="allergy-warning">
                    {t('pharmacy.allergyWarning', { warning: e.allergy_warning, reason: e.allergy_override_reason ?? '' })}
                  </Text>
                )}
                {e.status_reason && (
                  <Text size="xs" data-testid="status-reason">
                    {t('pharmacy.statusReason', { reason: e.status_reason })}
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
                {can('pharmacy.write') && waiting && (
                  <Stack gap={4} align="flex-start">
                    {e.medication_id === null ? (
                      <Button size="compact-sm" onClick={() => setLinking(e)} data-testid="link">
                        {t('pharmacy.link')}
                      </Button>
                    ) : (
                      <Button size="compact-sm" onClick={() => setOpen(e)} data-testid="dispense">
                        {t('pharmacy.dispense')}
                      </Button>
                    )}
                    <Button size="compact-sm" variant="subtle" color="gray" onClick={() => setSendingBack(e)} data-testid="send-back">
                      {t('pharmacy.returnToPrescriber')}
                    </Button>
                  </Stack>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {queue.isSuccess && rows.length === 0 && waiting && <Text c="dimmed">{t('pharmacy.queueEmpty')}</Text>}
      {open && <DispenseModal entry={open} onClose={() => setOpen(null)} />}
      {linking && <LinkModal entry={linking} onClose={() => setLinking(null)} />}
      {sendingBack && <SendBackModal entry={sendingBack} onClose={() => setSendingBack(null)} />}
    </Stack>
  );
}

function DispenseModal({ entry, onClose }: { entry: DispenseQueueEntry; onClose: () => void }) {
  const { t } = useTranslation();
  const [quantity, setQuantity] = useState<number | string>(defaultDispense(entry.remaining_quantity, entry.available_quantity));
  const dispense = useDispense(entry.prescription_id, {
    success: (d) => t('pharmacy.dispensed', { n: d.quantity, name: d.medication_name, batches: d.batches.map((b) => b.batch_number).join(', ') }),
    close: onClose,
  });

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const n = Number(quantity);
    if (Number.isInteger(n) && n > entry.remaining_quantity) {
      // Never cut down to what remains: say so, and let the pharmacist correct it.
      dispense.setMessage(t('pharmacy.dispenseTooMany', { asked: n, n: entry.remaining_quantity }));
      return;
    }
    if (!Number.isInteger(n) || n < 1) {
      dispense.setMessage(t('pharmacy.dispenseRange', { n: entry.remaining_quantity }));
      return;
    }
    void dispense.submit(n);
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
          {entry.medication_id === null && <Alert color="yellow">{t('pharmacy.freeTextLink')}</Alert>}
          <NumberInput
            label={t('pharmacy.quantityLabel')}
            description={t('pharmacy.dispenseHint', { remaining: entry.remaining_quantity, available: entry.available_quantity ?? '-' })}
            value={quantity}
            onChange={setQuantity}
            min={1}
            max={entry.remaining_quantity}
            clampBehavior="none"
            allowDecimal={false}
            allowNegative={false}
            data-autofocus
            name="quantity"
          />
          <FormError message={dispense.message} testId="form-error" />
          <FormButtons busy={dispense.busy} onCancel={onClose} disabled={entry.medication_id === null} testId="dispense-submit" label={t('pharmacy.dispense')} />
        </Stack>
      </form>
    </Modal>
  );
}

/** LinkModal links a free-text prescription to the catalog medication to hand out. */
function LinkModal({ entry, onClose }: { entry: DispenseQueueEntry; onClose: () => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState(entry.medication_name);
  const [debounced] = useDebouncedValue(q, 250);
  const found = useMedications({ q: debounced.trim() });
  const [chosen, setChosen] = useState<Medication | null>(null);
  const [warnings, setWarnings] = useState<string[] | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const link = useLinkPrescription(entry.prescription_id, {
    onSuccess: (answer) => {
      if (answer.warnings) setWarnings(answer.warnings);
    },
    success: (answer) => (answer.warnings || !chosen ? null : t('pharmacy.linked', { name: answer.strength ? `${chosen.name} ${answer.strength}` : chosen.name })),
    close: (answer) => {
      if (!answer.warnings) onClose();
    },
    onError: (err) => {
      if (!(err instanceof ApiError && err.fieldErrors.allergy_override_reason)) return false;
      setReasonError(err.fieldErrors.allergy_override_reason);
      return true;
    },
  });

  function submit(ev: React.FormEvent) {
    ev.preventDefault();
    if (!chosen) {
      link.setMessage(t('pharmacy.linkChoose'));
      return;
    }
    if (warnings && !reason.trim()) {
      setReasonError(t('pharmacy.linkReasonRequired'));
      return;
    }
    setReasonError(null);
    void link.submit({ medication_id: chosen.id, ...(warnings ? { confirm_allergy: true, allergy_override_reason: reason.trim() } : {}) });
  }

  return (
    <Modal opened onClose={onClose} size="lg" title={t('pharmacy.linkTitle', { name: entry.medication_name })}>
      <form onSubmit={submit} noValidate data-testid="link-form">
        <Stack>
          <Text size="sm">{[entry.dosage, entry.frequency, entry.duration, entry.instructions].filter(Boolean).join(' · ')}</Text>
          {entry.known_allergies && (
            <Text size="sm" c="red.8" fw={600} className="wrap-anywhere">
              {t('pharmacy.allergies', { list: entry.known_allergies })}
            </Text>
          )}
          <TextInput
            label={t('pharmacy.linkSearch')}
            description={t('pharmacy.linkSearchHint')}
            value={q}
            onChange={(ev) => {
              setQ(ev.currentTarget.value);
              setChosen(null);
              setWarnings(null);
            }}
            name="q"
            autoComplete="off"
            data-autofocus
          />
          {!chosen && (found.data ?? []).length > 0 && (
            <Group gap="xs" data-testid="link-candidates">
              {(found.data ?? []).slice(0, 12).map((m) => (
                <Button key={m.id} size="compact-sm" variant="light" data-medication={m.id} onClick={() => setChosen(m)}>
                  {[m.name, m.strength, m.form].filter(Boolean).join(' ')}
                </Button>
              ))}
            </Group>
          )}
          {chosen && (
            <Text fw={600} data-testid="link-chosen">
              {t('pharmacy.linkChosen', { name: [chosen.name, chosen.strength, chosen.form].filter(Boolean).join(' ') })}
            </Text>
          )}
          {warnings && (
            <Alert color="red" variant="filled" icon={<IconAlertTriangle />} title={t('pharmacy.linkAllergyIntro', { allergies: entry.known_allergies })} data-testid="link-allergy-warning">
              <List spacing={4} c="white">
                {warnings.map((w) => (
                  <List.Item key={w}>{w}</List.Item>
                ))}
              </List>
            </Alert>
          )}
          {warnings && (
            <Textarea
              label={t('pharmacy.linkReason')}
              required
              autosize
              minRows={2}
              name="allergy_override_reason"
              value={reason}
              error={reasonError}
              onChange={(ev) => setReason(ev.currentTarget.value)}
            />
          )}
          <FormError message={link.message} testId="form-error" />
          <FormButtons
            busy={link.busy}
            onCancel={onClose}
            color={warnings ? 'red' : undefined}
            testId="link-submit"
            label={warnings ? t('pharmacy.linkAnyway') : t('pharmacy.linkSubmit')}
          />
        </Stack>
      </form>
    </Modal>
  );
}

/** SendBackModal sends a prescription back to its prescriber, with a reason. */
function SendBackModal({ entry, onClose }: { entry: DispenseQueueEntry; onClose: () => void }) {
  const { t } = useTranslation();
  const useSave = (options: SaveOptions<string, unknown>) =>
    useSendBack(entry.prescription_id, { ...options, success: t('pharmacy.sentBackDone', { name: entry.medication_name }) });
  return (
    <ReasonModal
      title={t('pharmacy.sendBackTitle', { name: entry.medication_name })}
      label={t('pharmacy.sendBackReason')}
      submitLabel={t('pharmacy.sendBackSubmit')}
      testId="send-back"
      draftId={`send-back-${entry.prescription_id}`}
      useSave={useSave}
      onClose={onClose}
    />
  );
}
