// NewBillModal: opens a bill for a patient with lines from the catalog. The total shown is a
// preview; the server prices the lines and computes the total it stores.
import { ActionIcon, Alert, Button, Group, Modal, NumberInput, Select, Stack, Table, Text } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BillDetail, PatientMatch } from '../api/types';
import { formatMoney } from '../i18n/format';
import { PatientLine, PatientPicker } from '../patients/PatientPicker';
import { lineTotal, sumAmounts } from './money';
import { useCreateBill, useServices } from './queries';

interface Line {
  service_id: number;
  quantity: number;
}

export function NewBillModal({ onClose, onCreated }: { onClose: () => void; onCreated: (b: BillDetail) => void }) {
  const { t, i18n } = useTranslation();
  const services = useServices(true);
  const [patient, setPatient] = useState<PatientMatch>();
  const [q, setQ] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [pick, setPick] = useState<string | null>(null);
  const [qty, setQty] = useState<number | string>(1);
  // One key per attempt: a resubmission after a lost answer creates nothing twice.
  const create = useCreateBill({ close: onCreated });
  const byId = new Map((services.data ?? []).map((s) => [s.id, s]));
  const preview = sumAmounts(lines.map((l) => lineTotal(byId.get(l.service_id)?.price ?? '0', l.quantity)));

  function add() {
    const id = Number(pick);
    const n = Number(qty);
    if (!id || !Number.isInteger(n) || n < 1) return;
    setLines((ls) => [...ls, { service_id: id, quantity: n }]);
    setPick(null);
    setQty(1);
  }

  function submit() {
    if (!patient) return;
    void create.submit({ patient_id: patient.id, items: lines.map((l) => ({ service_id: l.service_id, quantity: l.quantity })) });
  }

  return (
    <Modal opened onClose={onClose} title={t('billing.newBill')} size="lg">
      {!patient ? (
        <PatientPicker value={q} onChange={setQ} onPick={setPatient} autoFocus label={t('billing.patient')} testId="bill-patient" />
      ) : (
        <Stack data-testid="new-bill-form">
          <PatientLine patient={patient} />
          <Group align="end">
            <Select
              label={t('billing.service')}
              data={(services.data ?? []).map((s) => ({ value: String(s.id), label: `${s.name} · ${s.code} · ${formatMoney(s.price, i18n.language)}` }))}
              value={pick}
              onChange={setPick}
              searchable
              flex={1}
              data-testid="line-service"
            />
            <NumberInput label={t('billing.quantity')} value={qty} onChange={setQty} min={1} max={100000} allowDecimal={false} w={100} data-testid="line-quantity" />
            <Button variant="light" onClick={add} disabled={!pick} data-testid="add-line">
              {t('billing.addLine')}
            </Button>
          </Group>
          {lines.length > 0 && (
            <Table data-testid="new-bill-lines">
              <Table.Tbody>
                {lines.map((l, i) => {
                  const s = byId.get(l.service_id);
                  return (
                    <Table.Tr key={i}>
                      <Table.Td>{s?.name}</Table.Td>
                      <Table.Td ta="right">{l.quantity}</Table.Td>
                      <Table.Td ta="right">{formatMoney(lineTotal(s?.price ?? '0', l.quantity), i18n.language)}</Table.Td>
                      <Table.Td w={40}>
                        <ActionIcon variant="subtle" color="red" aria-label={t('billing.removeLine')} onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}>
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
          <Group justify="space-between">
            <Text fw={600} data-testid="new-bill-preview">
              {t('billing.total')}: {formatMoney(preview, i18n.language)}
            </Text>
            <Text size="xs" c="dimmed">
              {t('billing.previewNote')}
            </Text>
          </Group>
          {create.message && <Alert color="red">{create.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button onClick={submit} loading={create.busy} disabled={lines.length === 0} data-testid="create-bill">
              {t('billing.createBill')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
