// The reports area: the day's report (/reports, ?date=): visits, new patients, the money taken
// by method and by cashier (to close the drawer), what was billed, what is owed, and the
// medication dispensed; with charts and a CSV download. Days are the clinic's. Beside it, the
// reports over any period (/reports/attendance, ...) and the DHIS2 export (/reports/dhis2),
// each tab shown to the roles that may read it.
import { Suspense, lazy } from 'react';
import { Alert, Button, Card, Group, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconDownload, IconPrinter } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useLocation, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../auth/session';
import { REPORT_KINDS, REPORT_PERMISSION } from './queries';
import { api, unwrap } from '../api';
import { livePoll } from '../live/live';
import { REPORT_KEY } from '../billing/queries';
import { problemMessage } from '../forms/errors';
import { formatLongDay, formatMoney, clinicToday } from '../i18n/format';
import { chartAmount } from './report';
import { DateField } from '../forms/DateField';

// The charts load with this page only (see ReportCharts).
const MethodDonut = lazy(() => import('./ReportCharts').then((m) => ({ default: m.MethodDonut })));
const CashierBars = lazy(() => import('./ReportCharts').then((m) => ({ default: m.CashierBars })));
const PeriodReport = lazy(() => import('./PeriodReport').then((m) => ({ default: m.PeriodReport })));
const Dhis2Page = lazy(() => import('./Dhis2Page').then((m) => ({ default: m.Dhis2Page })));

export function ReportsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const tab = pathname.replace(/^\/reports\/?/, '').split('/')[0] || 'daily';
  const kinds = REPORT_KINDS.filter((k) => can(REPORT_PERMISSION[k]));
  // The period travels from one report to the next (not to the daily report, which has a day).
  const go = (to: string) => navigate(to === 'daily' ? '/reports' : `/reports/${to}${tab === 'daily' ? '' : search}`);
  return (
    <Stack>
      {(kinds.length > 0 || can('reports.manage')) && (
        <Tabs value={tab} onChange={(v) => v && go(v)} className="no-print">
          <Tabs.List>
            {can('reports.read') && <Tabs.Tab value="daily">{t('reports.kinds.daily')}</Tabs.Tab>}
            {kinds.map((k) => (
              <Tabs.Tab key={k} value={k} data-testid={`report-tab-${k}`}>
                {t(`reports.kinds.${k}`)}
              </Tabs.Tab>
            ))}
            {can('reports.manage') && (
              <Tabs.Tab value="dhis2" data-testid="report-tab-dhis2">
                {t('reports.kinds.dhis2')}
              </Tabs.Tab>
            )}
          </Tabs.List>
        </Tabs>
      )}
      <Suspense fallback={null}>
        <Routes>
          <Route index element={<DailyReport />} />
          {kinds.map((k) => (
            <Route key={k} path={k} element={<PeriodReport kind={k} />} />
          ))}
          {can('reports.manage') && <Route path="dhis2" element={<Dhis2Page />} />}
        </Routes>
      </Suspense>
    </Stack>
  );
}

function DailyReport() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t('areas.reports')} · Chelal`);
  const [params, setParams] = useSearchParams();
  const date = params.get('date') ?? clinicToday();
  const report = useQuery({
    queryKey: [...REPORT_KEY, date],
    queryFn: async () => unwrap(api.client.GET('/api/v1/reports/daily', { params: { query: { date } } })),
    refetchInterval: () => livePoll(60_000),
  });
  const r = report.data;
  const lang = i18n.language;
  const m = (a: string) => formatMoney(a, lang);
  const methodName = (k: string) => t(`billing.methods.${k}`, { defaultValue: k });
  const colors = ['teal.6', 'blue.6', 'orange.6', 'grape.6', 'gray.6'];

  return (
    <Stack data-testid="daily-report" data-date={date}>
      <Group justify="space-between" align="end">
        <Title order={2}>{t('dailyReport.title')}</Title>
        <Group className="no-print" align="end">
          <DateField label={t('dailyReport.date')} name="date" required value={date} onChange={(v) => v && setParams({ date: v })} data-testid="report-date" />
          <Button component="a" href={`/api/v1/reports/daily.csv?date=${encodeURIComponent(date)}`} variant="light" leftSection={<IconDownload size={18} />} data-testid="report-csv">
            {t('dailyReport.csv')}
          </Button>
          <Button variant="default" leftSection={<IconPrinter size={18} />} onClick={() => window.print()}>
            {t('common.print')}
          </Button>
        </Group>
      </Group>
      {report.isError && <Alert color="red">{problemMessage(report.error, t, lang)}</Alert>}
      {r && (
        <>
          <Text c="dimmed">
            {formatLongDay(r.date, lang)} · {r.time_zone}
          </Text>
          <SimpleGrid cols={{ base: 2, md: 5 }}>
            <Stat label={t('dailyReport.revenue')} value={m(r.revenue.total)} testId="report-revenue" raw={r.revenue.total} />
            <Stat label={t('dailyReport.payments')} value={String(r.revenue.payments)} testId="report-payments" />
            <Stat label={t('dailyReport.visits')} value={String(r.visits.appointments)} hint={t('dailyReport.encounters', { count: r.visits.encounters })} testId="report-visits" />
            <Stat label={t('dailyReport.newPatients')} value={String(r.new_patients)} testId="report-new-patients" />
            <Stat label={t('dailyReport.outstanding')} value={m(r.outstanding.amount)} hint={t('dailyReport.openBills', { count: r.outstanding.bills })} testId="report-outstanding" />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Title order={4} mb="sm">
                {t('dailyReport.byMethod')}
              </Title>
              {r.revenue.by_method.length === 0 ? (
                <Text c="dimmed">{t('dailyReport.noPayments')}</Text>
              ) : (
                <Group align="center" wrap="nowrap">
                  <Suspense fallback={null}>
                    <MethodDonut
                      data={r.revenue.by_method.map((x, i) => ({ name: methodName(x.method), value: chartAmount(x.amount), color: colors[i % colors.length]! }))}
                    />
                  </Suspense>
                  <Table data-testid="report-by-method">
                    <Table.Tbody>
                      {r.revenue.by_method.map((x) => (
                        <Table.Tr key={x.method} data-method={x.method}>
                          <Table.Td>{methodName(x.method)}</Table.Td>
                          <Table.Td ta="right">{x.payments}</Table.Td>
                          <Table.Td ta="right" data-amount={x.amount}>
                            {m(x.amount)}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Group>
              )}
            </Card>
            <Card withBorder>
              <Title order={4} mb="sm">
                {t('dailyReport.byCashier')}
              </Title>
              {r.revenue.by_cashier.length === 0 ? (
                <Text c="dimmed">{t('dailyReport.noPayments')}</Text>
              ) : (
                <>
                  <Suspense fallback={null}>
                    <CashierBars
                      label={t('billing.amount')}
                      data={r.revenue.by_cashier.map((c) => ({ name: c.name || '—', amount: chartAmount(c.amount) }))}
                    />
                  </Suspense>
                  <Table data-testid="report-by-cashier">
                    <Table.Tbody>
                      {r.revenue.by_cashier.map((c) => (
                        <Table.Tr key={c.user_id ?? 0}>
                          <Table.Td>{c.name || '—'}</Table.Td>
                          <Table.Td ta="right">{c.payments}</Table.Td>
                          <Table.Td ta="right">{m(c.amount)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </>
              )}
            </Card>
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Title order={4} mb="sm">
                {t('dailyReport.billed')}
              </Title>
              <Text>
                {t('dailyReport.billedLine', { count: r.billed.bills, amount: m(r.billed.amount) })}
              </Text>
            </Card>
            <Card withBorder>
              <Title order={4} mb="sm">
                {t('dailyReport.dispensed')}
              </Title>
              {r.dispensed.length === 0 ? (
                <Text c="dimmed">{t('dailyReport.nothingDispensed')}</Text>
              ) : (
                <Table data-testid="report-dispensed">
                  <Table.Tbody>
                    {r.dispensed.map((d) => (
                      <Table.Tr key={d.description}>
                        <Table.Td>{d.description}</Table.Td>
                        <Table.Td ta="right">{d.quantity}</Table.Td>
                        <Table.Td ta="right">{m(d.amount)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

function Stat({ label, value, hint, testId, raw }: { label: string; value: string; hint?: string; testId: string; raw?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId} data-amount={raw}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}
