// MonthAtAGlance: the administrator's and the doctor's month on the home page: visits, new
// patients, money received, the top five diagnoses and the medications low on stock, each
// against the same days of last month.
import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconArrowDownRight, IconArrowUpRight } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatMoney } from '../i18n/format';
import { useDashboard } from '../reports/queries';
import { chartAmount } from '../reports/report';

function Trend({ current, previous }: { current: string; previous: string }) {
  const { t } = useTranslation();
  const a = chartAmount(current);
  const b = chartAmount(previous);
  if (b === 0) return null;
  const pct = Math.round(((a - b) / b) * 100);
  const Icon = pct >= 0 ? IconArrowUpRight : IconArrowDownRight;
  return (
    <Text size="xs" c={pct >= 0 ? 'teal' : 'red'} span title={t('home.month.lastMonth', { value: previous })}>
      <Icon size={12} /> {pct >= 0 ? '+' : ''}
      {pct}%
    </Text>
  );
}

export function MonthAtAGlance() {
  const { t, i18n } = useTranslation();
  const d = useDashboard().data;
  if (!d) return null;
  const lang = i18n.language;
  const stat = (key: string, label: string, cur: string, prev: string, shown: string) => (
    <Card withBorder padding="sm" key={key}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Group gap="xs" align="baseline">
        <Text size="xl" fw={700} data-testid={`month-${key}`} data-value={cur}>
          {shown}
        </Text>
        <Trend current={cur} previous={prev} />
      </Group>
      <Text size="xs" c="dimmed">
        {t('home.month.lastMonth', { value: key === 'revenue' ? formatMoney(prev, lang) : prev })}
      </Text>
    </Card>
  );
  return (
    <Stack gap="sm" data-testid="month-at-a-glance">
      <Title order={4}>{t('home.month.title')}</Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {stat('visits', t('home.month.visits'), d.visits.current, d.visits.previous, d.visits.current)}
        {stat('new-patients', t('home.month.newPatients'), d.new_patients.current, d.new_patients.previous, d.new_patients.current)}
        {stat('revenue', t('home.month.revenue'), d.revenue.current, d.revenue.previous, formatMoney(d.revenue.current, lang))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Text fw={600} mb="xs">
            {t('home.month.topDiagnoses')}
          </Text>
          {d.top_diagnoses.length === 0 ? (
            <Text c="dimmed" size="sm">
              {t('home.month.noDiagnoses')}
            </Text>
          ) : (
            <Table data-testid="month-top-diagnoses">
              <Table.Tbody>
                {d.top_diagnoses.map((x) => (
                  <Table.Tr key={x.code}>
                    <Table.Td>
                      <b>{x.code}</b> {x.title}
                    </Table.Td>
                    <Table.Td ta="right">{x.current}</Table.Td>
                    <Table.Td ta="right">
                      <Trend current={String(x.current)} previous={String(x.previous)} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Text fw={600}>{t('home.month.lowStock')}</Text>
            <Badge color={d.low_stock_count > 0 ? 'orange' : 'teal'} data-testid="month-low-stock">
              {d.low_stock_count}
            </Badge>
          </Group>
          {d.low_stock.length === 0 ? (
            <Text c="dimmed" size="sm">
              {t('home.month.stockOk')}
            </Text>
          ) : (
            <Table>
              <Table.Tbody>
                {d.low_stock.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>{s.name}</Table.Td>
                    <Table.Td ta="right">{t('home.month.stockLine', { stock: s.stock, reorder: s.reorder_level })}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>
      <Text size="sm">
        <Link to="/reports/attendance">{t('home.month.allReports')}</Link>
      </Text>
    </Stack>
  );
}
