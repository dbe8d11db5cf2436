// The pharmacy area: the stock list (/pharmacy), one medication's batches and ledger
// (/pharmacy/medications/:id), the dispensing queue (/pharmacy/queue), the alerts
// (/pharmacy/alerts), supplies (/pharmacy/supplies) and categories (/pharmacy/categories).
import { Alert, Anchor, Badge, Button, Checkbox, Group, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useLocation, useNavigate } from 'react-router';
import type { InventoryItem, MedicationCategory } from '../api/types';
import { useSession } from '../auth/session';
import { problemMessage } from '../forms/errors';
import { formatDate } from '../i18n/format';
import { DispenseQueue } from './DispenseQueue';
import { useAlerts, useCategories, useInventory } from './queries';
import { CategoryModal } from './CategoryModal';
import { InventoryAdjustModal } from './InventoryAdjustModal';
import { InventoryModal } from './InventoryModal';
import { MedicationPage, StockPage } from './StockPage';
import { ButtonCell } from '../shell/ActionsTh';
import { QueryError } from '../shell/PageState';

const TABS = ['stock', 'queue', 'alerts', 'supplies', 'categories'] as const;

export function PharmacyPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  useDocumentTitle(`${t('areas.pharmacy')} · Chelal`);
  const seg = location.pathname.split('/')[2] ?? '';
  const tab = (TABS as readonly string[]).includes(seg) ? seg : 'stock';
  const alerts = useAlerts();
  const alertCount = alerts.data ? alerts.data.low_stock.length + alerts.data.expiring.length + alerts.data.expired.length : 0;
  return (
    <Stack data-area-page="pharmacy">
      <Title order={2}>{t('areas.pharmacy')}</Title>
      <Tabs value={tab} onChange={(v) => navigate(v === 'stock' ? '/pharmacy' : `/pharmacy/${v}`)} className="no-print">
        <Tabs.List>
          {TABS.map((k) => (
            <Tabs.Tab key={k} value={k} data-testid={`tab-${k}`} rightSection={k === 'alerts' && alertCount > 0 ? <Badge color="red" size="sm">{alertCount}</Badge> : undefined}>
              {t(`pharmacy.tabs.${k}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Routes>
        <Route index element={<StockPage />} />
        <Route path="medications/:id" element={<MedicationPage />} />
        <Route path="queue" element={<DispenseQueue />} />
        <Route path="alerts" element={<AlertsPanel />} />
        <Route path="supplies" element={<SuppliesPanel />} />
        <Route path="categories" element={<CategoriesPanel />} />
      </Routes>
    </Stack>
  );
}

function AlertsPanel() {
  const { t, i18n } = useTranslation();
  const alerts = useAlerts();
  if (alerts.isError) return <Alert color="red">{problemMessage(alerts.error, t, i18n.language)}</Alert>;
  const a = alerts.data;
  if (!a) return <Text c="dimmed">{t('common.loading')}</Text>;
  return (
    <Stack data-testid="alerts">
      <Title order={4}>{t('pharmacy.lowStock')}</Title>
      {a.low_stock.length === 0 ? (
        <Text c="dimmed">{t('pharmacy.none')}</Text>
      ) : (
        <Table striped data-testid="low-stock">
          <Table.Tbody>
            {a.low_stock.map((l) => (
              <Table.Tr key={l.medication_id} data-medication={l.name}>
                <Table.Td>
                  <Anchor component={Link} to={`/pharmacy/medications/${l.medication_id}`}>
                    {l.name} {l.strength}
                  </Anchor>
                </Table.Td>
                <Table.Td>{t('pharmacy.lowLine', { n: l.available_quantity, level: l.reorder_level })}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Title order={4}>{t('pharmacy.expiringWithin', { n: a.expiry_warning_days })}</Title>
      <BatchAlerts rows={a.expiring} empty={t('pharmacy.none')} lang={i18n.language} testId="expiring" />
      <Title order={4}>{t('pharmacy.expiredOnShelf')}</Title>
      <BatchAlerts rows={a.expired} empty={t('pharmacy.none')} lang={i18n.language} testId="expired" />
    </Stack>
  );
}

function BatchAlerts({ rows, empty, lang, testId }: { rows: { batch_id: number; medication_id: number; medication_name: string; batch_number: string; expiry_date: string; quantity_left: number; days_left: number }[]; empty: string; lang: string; testId: string }) {
  const { t } = useTranslation();
  if (rows.length === 0) return <Text c="dimmed">{empty}</Text>;
  return (
    <Table striped data-testid={testId}>
      <Table.Tbody>
        {rows.map((b) => (
          <Table.Tr key={b.batch_id}>
            <Table.Td>
              <Anchor component={Link} to={`/pharmacy/medications/${b.medication_id}`}>
                {b.medication_name}
              </Anchor>
            </Table.Td>
            <Table.Td>{b.batch_number}</Table.Td>
            <Table.Td>{formatDate(b.expiry_date, lang)}</Table.Td>
            <Table.Td>{t('pharmacy.unitsLeft', { n: b.quantity_left })}</Table.Td>
            <Table.Td>{b.days_left < 0 ? t('pharmacy.expiredDaysAgo', { n: -b.days_left }) : t('pharmacy.daysLeft', { n: b.days_left })}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function SuppliesPanel() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [all, setAll] = useState(false);
  const items = useInventory(all);
  const [dialog, setDialog] = useState<{ kind: 'new' } | { kind: 'edit' | 'adjust'; item: InventoryItem } | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Checkbox label={t('pharmacy.showInactive')} checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
        {can('pharmacy.write') && (
          <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({ kind: 'new' })}>
            {t('pharmacy.newSupply')}
          </Button>
        )}
      </Group>
      <QueryError query={items} />
      <Table striped>
        <Table.Tbody>
          {(items.data ?? []).map((i) => (
            <Table.Tr key={i.id}>
              <Table.Td fw={500}>
                {i.name} {!i.is_active && <Badge color="gray">{t('pharmacy.inactive')}</Badge>}
              </Table.Td>
              <Table.Td ta="right">
                {i.quantity} {i.unit}
              </Table.Td>
              <Table.Td>
                {can('pharmacy.write') && (
                  <Group gap={4}>
                    <Button size="compact-sm" variant="light" onClick={() => setDialog({ kind: 'adjust', item: i })}>
                      {t('pharmacy.adjust')}
                    </Button>
                    <Button size="compact-sm" variant="default" onClick={() => setDialog({ kind: 'edit', item: i })}>
                      {t('common.edit')}
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {dialog?.kind === 'new' && <InventoryModal onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <InventoryModal item={dialog.item} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'adjust' && <InventoryAdjustModal item={dialog.item} onClose={() => setDialog(null)} />}
    </Stack>
  );
}

function CategoriesPanel() {
  const { t } = useTranslation();
  const { can } = useSession();
  const categories = useCategories(true);
  const [dialog, setDialog] = useState<{ category?: MedicationCategory } | null>(null);
  return (
    <Stack>
      {can('pharmacy.write') && (
        <Group justify="flex-end">
          <Button leftSection={<IconPlus size={18} />} onClick={() => setDialog({})} data-testid="new-category">
            {t('pharmacy.newCategory')}
          </Button>
        </Group>
      )}
      <QueryError query={categories} />
      <Table striped>
        <Table.Tbody>
          {(categories.data ?? []).map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td fw={500}>
                {c.name} {!c.is_active && <Badge color="gray">{t('pharmacy.inactive')}</Badge>}
              </Table.Td>
              <Table.Td>{c.description}</Table.Td>
              <Table.Td>{t('pharmacy.medicationCount', { n: c.medication_count })}</Table.Td>
              <ButtonCell show={can('pharmacy.write')} variant="default" onClick={() => setDialog({ category: c })}>
                {t('common.edit')}
              </ButtonCell>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {dialog && <CategoryModal category={dialog.category} onClose={() => setDialog(null)} />}
    </Stack>
  );
}
