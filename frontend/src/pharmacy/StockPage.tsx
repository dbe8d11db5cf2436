// The stock list (/pharmacy): every medication with what is in date, on the shelf and
// expired, highlighted when low, expiring or expired, filtered by name, category and state;
// and one medication's page (/pharmacy/medications/:id): its batches (expired ones written
// off from here) and its ledger, newest first.
import { ActionIcon, Alert, Anchor, Badge, Button, Group, Menu, NativeSelect, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDots, IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api';
import type { Medication } from '../api/types';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDate, formatDateTime, formatMoney } from '../i18n/format';
import { invalidatePharmacy, useCategories, useMedication, useMedications, useMovements, type MedicationFilter } from './queries';
import { FLAG_COLORS, returnableDispenses, stockFlags } from './stock';
import { AdjustModal } from './AdjustModal';
import { MedicationModal } from './MedicationModal';
import { ReceiveModal } from './ReceiveModal';
import { ReturnModal } from './ReturnModal';
import { TableHead, right } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

type Dialog = { kind: 'new' } | { kind: 'edit' | 'receive'; medication: Medication } | null;

export function StockFlags({ medication }: { medication: Medication }) {
  const { t } = useTranslation();
  return (
    <Group gap={4}>
      {stockFlags(medication).map((f) => (
        <Badge key={f} color={FLAG_COLORS[f]} variant="light" data-flag={f}>
          {t(`pharmacy.flags.${f}`)}
        </Badge>
      ))}
      {!medication.is_active && <Badge color="gray">{t('pharmacy.inactive')}</Badge>}
    </Group>
  );
}

export function StockPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const write = can('pharmacy.write');
  const [filter, setFilter] = useState<MedicationFilter>({ q: '', stock: '', category_id: 0, include_inactive: false });
  const medications = useMedications(filter);
  const categories = useCategories();
  const [dialog, setDialog] = useState<Dialog>(null);
  const rows = medications.data ?? [];

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Group align="flex-end">
          <TextInput
            label={t('pharmacy.search')}
            value={filter.q}
            onChange={(e) => setFilter({ ...filter, q: e.currentTarget.value })}
            data-testid="stock-search"
          />
          <NativeSelect
            label={t('pharmacy.category')}
            value={String(filter.category_id ?? 0)}
            onChange={(e) => setFilter({ ...filter, category_id: Number(e.currentTarget.value) })}
            data={[{ value: '0', label: t('pharmacy.allCategories') }, ...(categories.data ?? []).map((c) => ({ value: String(c.id), label: c.name }))]}
          />
          <SegmentedControl
            value={filter.stock ?? ''}
            onChange={(v) => setFilter({ ...filter, stock: v as MedicationFilter['stock'] })}
            data={[
              { value: '', label: t('pharmacy.filterAll') },
              { value: 'low', label: t('pharmacy.flags.low') },
              { value: 'expiring', label: t('pharmacy.flags.expiring') },
              { value: 'expired', label: t('pharmacy.flags.expired') },
            ]}
            data-testid="stock-filter"
          />
        </Group>
        {write && (
          <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ kind: 'new' })} data-testid="new-medication">
            {t('pharmacy.newMedication')}
          </Button>
        )}
      </Group>
      <QueryError query={medications} />
      <Table striped verticalSpacing="xs" data-testid="stock-table">
        <TableHead
          columns={[
            t('pharmacy.medication'),
            t('pharmacy.category'),
            right(t('pharmacy.available')),
            right(t('pharmacy.onShelf')),
            right(t('pharmacy.reorderLevel')),
            t('pharmacy.expiryDate'),
            right(t('pharmacy.unitPrice')),
            '',
          ]}
          actions
        />
        <Table.Tbody>
          {rows.map((m) => (
            <Table.Tr key={m.id} data-medication={m.name}>
              <Table.Td>
                <Anchor component={Link} to={`/pharmacy/medications/${m.id}`} fw={600}>
                  {m.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {[m.generic_name, m.strength, m.form].filter(Boolean).join(' · ')}
                </Text>
              </Table.Td>
              <Table.Td>{m.category_name}</Table.Td>
              <Table.Td ta="right" data-testid="available">
                {m.available_quantity}
              </Table.Td>
              <Table.Td ta="right">{m.stock_quantity}</Table.Td>
              <Table.Td ta="right">{m.reorder_level}</Table.Td>
              <Table.Td>{m.expiry_date ? formatDate(m.expiry_date, i18n.language) : '-'}</Table.Td>
              <Table.Td ta="right">{formatMoney(m.unit_price, i18n.language)}</Table.Td>
              <Table.Td>
                <StockFlags medication={m} />
              </Table.Td>
              <Table.Td>
                {write && (
                  <Group gap={4} wrap="nowrap">
                    <Button size="compact-sm" variant="light" onClick={() => setDialog({ kind: 'receive', medication: m })} data-testid="receive">
                      {t('pharmacy.receive')}
                    </Button>
                    <Menu>
                      <Menu.Target>
                        <ActionIcon variant="subtle" aria-label={t('common.actions')}>
                          <IconDots size={18} />
                        </ActionIcon>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item onClick={() => setDialog({ kind: 'edit', medication: m })}>{t('common.edit')}</Menu.Item>
                        <Menu.Item component={Link} to={`/pharmacy/medications/${m.id}`}>
                          {t('pharmacy.history')}
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {medications.isSuccess && rows.length === 0 && <Text c="dimmed">{t('pharmacy.noMedications')}</Text>}
      {dialog?.kind === 'new' && <MedicationModal onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <MedicationModal medication={dialog.medication} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'receive' && <ReceiveModal medication={dialog.medication} onClose={() => setDialog(null)} />}
    </Stack>
  );
}

export function MedicationPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const qc = useQueryClient();
  const id = Number(useParams().id);
  const med = useMedication(id);
  const ledger = useMovements(id);
  const [dialog, setDialog] = useState<'receive' | 'adjust' | 'edit' | null>(null);
  const [returning, setReturning] = useState<{ dispenseId: number; remaining: number } | null>(null);
  const write = can('pharmacy.write');

  async function writeOff(batchId: number) {
    try {
      await unwrap(api.client.POST('/api/v1/stock-batches/{id}/write-off', { params: { path: { id: batchId } }, body: {} }));
      await invalidatePharmacy(qc);
    } catch (err) {
      notifications.show({ color: 'red', message: problemMessage(err, t, i18n.language) });
    }
  }

  if (med.isError) return <Alert color="red">{problemMessage(med.error, t, i18n.language)}</Alert>;
  if (!med.data) return <Text c="dimmed">{t('common.loading')}</Text>;
  const m = med.data;
  const returnable = returnableDispenses(ledger.data ?? []);
  return (
    <Stack data-testid="medication-page">
      <Anchor component={Link} to="/pharmacy" size="sm">
        {t('common.back')}
      </Anchor>
      <Group justify="space-between">
        <div>
          <Title order={3}>
            {m.name} {m.strength}
          </Title>
          <Text c="dimmed">
            {m.form} · {m.category_name} · {formatMoney(m.unit_price, i18n.language)}
          </Text>
        </div>
        <StockFlags medication={m} />
      </Group>
      <Group>
        <Text data-testid="medication-available">{t('pharmacy.availableN', { n: m.available_quantity })}</Text>
        <Text c="dimmed">{t('pharmacy.onShelfN', { n: m.stock_quantity })}</Text>
        {m.expired_quantity > 0 && <Text c="red">{t('pharmacy.expiredN', { n: m.expired_quantity })}</Text>}
      </Group>
      {write && (
        <Group>
          <Button onClick={() => setDialog('receive')} data-testid="receive">
            {t('pharmacy.receive')}
          </Button>
          <Button variant="light" onClick={() => setDialog('adjust')} data-testid="adjust">
            {t('pharmacy.adjust')}
          </Button>
          <Button variant="default" onClick={() => setDialog('edit')}>
            {t('common.edit')}
          </Button>
        </Group>
      )}
      <Title order={4}>{t('pharmacy.batches')}</Title>
      <Table striped data-testid="batches">
        <TableHead
          columns={[
            t('pharmacy.batchNumber'),
            t('pharmacy.expiryDate'),
            right(t('pharmacy.left')),
            right(t('pharmacy.receivedQty')),
            right(t('pharmacy.unitCost')),
            '',
          ]}
        />
        <Table.Tbody>
          {m.batches.map((b) => (
            <Table.Tr key={b.id} data-batch={b.batch_number}>
              <Table.Td>{b.batch_number}</Table.Td>
              <Table.Td>
                {formatDate(b.expiry_date, i18n.language)}{' '}
                {b.expired && b.quantity_left > 0 && <Badge color="red">{t('pharmacy.flags.expired')}</Badge>}
                {b.expiring_soon && b.quantity_left > 0 && <Badge color="yellow">{t('pharmacy.flags.expiring')}</Badge>}
              </Table.Td>
              <Table.Td ta="right">{b.quantity_left}</Table.Td>
              <Table.Td ta="right">{b.quantity_received}</Table.Td>
              <Table.Td ta="right">{formatMoney(b.unit_cost, i18n.language)}</Table.Td>
              <Table.Td>
                {write && b.expired && b.quantity_left > 0 && (
                  <Button size="compact-sm" color="red" variant="light" onClick={() => void writeOff(b.id)}>
                    {t('pharmacy.writeOff')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={4}>{t('pharmacy.history')}</Title>
      <Table striped data-testid="ledger">
        <TableHead
          columns={[
            t('pharmacy.when'),
            t('pharmacy.movement'),
            right(t('pharmacy.change')),
            right(t('pharmacy.balance')),
            t('pharmacy.batch'),
            t('pharmacy.patient'),
            t('pharmacy.reason'),
            t('pharmacy.by'),
          ]}
          actions={write}
        />
        <Table.Tbody>
          {(ledger.data ?? []).map((v) => {
            const dispenseId = v.dispense_id;
            const back = dispenseId !== null ? returnable.get(dispenseId) : undefined;
            return (
              <Table.Tr key={v.id} data-kind={v.kind} data-dispense={dispenseId ?? undefined}>
                <Table.Td>{formatDateTime(v.created_at, i18n.language)}</Table.Td>
                <Table.Td>{t(`pharmacy.kinds.${v.kind}`)}</Table.Td>
                <Table.Td ta="right" c={v.quantity_change < 0 ? 'red' : 'teal'}>
                  {v.quantity_change > 0 ? `+${v.quantity_change}` : v.quantity_change}
                </Table.Td>
                <Table.Td ta="right">{v.balance_after}</Table.Td>
                <Table.Td>{v.batch_number}</Table.Td>
                <Table.Td data-testid="ledger-patient">
                  {v.patient_id !== null && v.patient_name !== null && (
                    <Anchor component={Link} to={`/patients/${v.patient_id}`} size="sm">
                      {v.patient_name} ({v.patient_unique_id})
                    </Anchor>
                  )}
                </Table.Td>
                <Table.Td>{v.reason}</Table.Td>
                <Table.Td>{v.created_by_name}</Table.Td>
                {write && (
                  <Table.Td>
                    {dispenseId !== null && back?.rowId === v.id && (
                      <Button size="compact-sm" variant="light" onClick={() => setReturning({ dispenseId, remaining: back.remaining })} data-testid="return">
                        {t('pharmacy.returnAction')}
                      </Button>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {dialog === 'receive' && <ReceiveModal medication={m} onClose={() => setDialog(null)} />}
      {dialog === 'adjust' && <AdjustModal medication={m} batches={m.batches} onClose={() => setDialog(null)} />}
      {dialog === 'edit' && <MedicationModal medication={m} onClose={() => setDialog(null)} />}
      {returning && <ReturnModal medication={m} dispenseId={returning.dispenseId} remaining={returning.remaining} onClose={() => setReturning(null)} />}
    </Stack>
  );
}
