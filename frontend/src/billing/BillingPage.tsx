// The billing area: the cashier's view of bills (open ones first, a search by patient), a
// bill (/billing/12: lines, payments, credits, cancel), its printable receipt
// (/billing/12/receipt) and the service catalog (/billing/catalog).
import { Button, Group, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useDocumentTitle } from '@mantine/hooks';
import { IconList, IconPlus, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate } from 'react-router';
import type { Bill } from '../api/types';
import { BillStatusBadge } from '../shell/StatusBadge';
import { formatDateTime, formatMoney } from '../i18n/format';
import { BillPage } from './BillPage';
import { CatalogPage } from './CatalogPage';
import { NewBillModal } from './NewBillModal';
import { useBills } from './queries';
import { ReceiptPage } from './ReceiptPage';
import { TableHead, right } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

export function BillingPage() {
  return (
    <Routes>
      <Route index element={<CashierView />} />
      <Route path="new" element={<CashierView creating />} />
      <Route path="catalog" element={<CatalogPage />} />
      <Route path=":id" element={<BillPage />} />
      <Route path=":id/receipt" element={<ReceiptPage />} />
    </Routes>
  );
}

function CashierView({ creating = false }: { creating?: boolean }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  useDocumentTitle(`${t('areas.billing')} · Chelal`);
  const [status, setStatus] = useState('open');
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const bills = useBills({ status: status === 'all' ? '' : status, q: debounced });
  const items: Bill[] = bills.data?.items ?? [];

  return (
    <Stack data-testid="cashier-view">
      <Group justify="space-between">
        <Title order={2}>{t('areas.billing')}</Title>
        <Group className="no-print">
          <Button component={Link} to="/billing/catalog" variant="light" leftSection={<IconList size={18} />} data-testid="open-catalog">
            {t('billing.catalog.title')}
          </Button>
          <Button component={Link} to="/billing/new" leftSection={<IconPlus size={18} />} data-testid="new-bill">
            {t('billing.newBill')}
          </Button>
        </Group>
      </Group>
      <Group className="no-print" align="end">
        <TextInput
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          label={t('billing.searchLabel')}
          placeholder={t('billing.searchPlaceholder')}
          leftSection={<IconSearch size={16} />}
          w={360}
          data-testid="bill-search"
        />
        <SegmentedControl
          value={status}
          onChange={setStatus}
          data={(['open', 'paid', 'cancelled', 'all'] as const).map((s) => ({ value: s, label: t(`billing.filter.${s}`) }))}
          data-testid="bill-filter"
        />
      </Group>
      <QueryError query={bills} />
      {bills.isSuccess && items.length === 0 ? (
        <Text c="dimmed" data-testid="no-bills">
          {t('billing.noBills')}
        </Text>
      ) : (
        <Table striped highlightOnHover verticalSpacing="xs" data-testid="bills">
          <TableHead
            columns={[
              t('billing.bill'),
              t('billing.patient'),
              t('billing.opened'),
              right(t('billing.total')),
              right(t('billing.paid')),
              right(t('billing.balance')),
              t('billing.statusLabel'),
            ]}
          />
          <Table.Tbody>
            {items.map((b) => (
              <Table.Tr key={b.id} onClick={() => navigate(`/billing/${b.id}`)} style={{ cursor: 'pointer' }} data-testid="bill-row" data-bill-id={b.id}>
                <Table.Td>
                  <Link to={`/billing/${b.id}`}>#{b.id}</Link>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {b.patient_name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {b.patient_unique_id}
                  </Text>
                </Table.Td>
                <Table.Td>{formatDateTime(b.created_at, i18n.language)}</Table.Td>
                <Table.Td ta="right">{formatMoney(b.total_amount, i18n.language)}</Table.Td>
                <Table.Td ta="right">{formatMoney(b.paid_amount, i18n.language)}</Table.Td>
                <Table.Td ta="right" fw={600}>
                  {formatMoney(b.balance, i18n.language)}
                </Table.Td>
                <Table.Td>
                  <BillStatusBadge status={b.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {creating && <NewBillModal onClose={() => navigate('/billing')} onCreated={(b) => navigate(`/billing/${b.id}`)} />}
    </Stack>
  );
}
