// A report over a period (/reports/:kind?period=month&date=...): its figures, and each section
// as a chart and a table, with CSV and PDF downloads. Periods are the clinic's days; labels come
// from the server in the user's language.
import { Suspense, lazy } from 'react';
import { Alert, Button, Card, Group, Loader, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconDownload, IconFileTypePdf } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Schemas } from '../api';
import { DateField } from '../forms/DateField';
import { problemMessage } from '../forms/errors';
import { clinicToday, formatMoney } from '../i18n/format';
import { PERIOD_KINDS, periodSearch, useReport, type PeriodKind, type PeriodParams, type ReportKind } from './queries';

const SectionChart = lazy(() => import('./ReportCharts').then((m) => ({ default: m.SectionChart })));

/** usePeriod reads the period from the address (default: this month). */
export function usePeriod(): [PeriodParams, (p: PeriodParams) => void] {
  const [params, setParams] = useSearchParams();
  const kind = (PERIOD_KINDS as readonly string[]).includes(params.get('period') ?? '') ? (params.get('period') as PeriodKind) : 'month';
  const p: PeriodParams = {
    period: kind,
    date: params.get('date') ?? clinicToday(),
    from: params.get('from') ?? clinicToday(),
    to: params.get('to') ?? clinicToday(),
  };
  return [p, (next) => setParams(new URLSearchParams({ ...(next as unknown as Record<string, string>) }))];
}

export function PeriodPicker({ value, onChange }: { value: PeriodParams; onChange: (p: PeriodParams) => void }) {
  const { t } = useTranslation();
  return (
    <Group align="end" className="no-print">
      <SegmentedControl
        data-testid="period-kind"
        value={value.period}
        onChange={(v) => onChange({ ...value, period: v as PeriodKind })}
        data={PERIOD_KINDS.map((k) => ({ value: k, label: t(`reports.periods.${k}`) }))}
      />
      {value.period === 'custom' ? (
        <>
          <DateField label={t('reports.from')} name="from" required value={value.from ?? ''} onChange={(v) => v && onChange({ ...value, from: v })} />
          <DateField label={t('reports.to')} name="to" required value={value.to ?? ''} onChange={(v) => v && onChange({ ...value, to: v })} />
        </>
      ) : (
        <DateField label={t('reports.day')} name="date" required value={value.date ?? ''} onChange={(v) => v && onChange({ ...value, date: v })} />
      )}
    </Group>
  );
}

export function PeriodReport({ kind }: { kind: ReportKind }) {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t(`reports.kinds.${kind}`)} · Chelal`);
  const [period, setPeriod] = usePeriod();
  const report = useReport(kind, period);
  const r = report.data;
  const qs = periodSearch(period);
  return (
    <Stack data-testid="period-report" data-kind={kind}>
      <Group justify="space-between" align="end">
        <Title order={2}>{r?.title ?? t(`reports.kinds.${kind}`)}</Title>
        <Group className="no-print">
          <Button component="a" href={`/api/v1/reports/${kind}.csv?${qs}`} variant="light" leftSection={<IconDownload size={18} />} data-testid="report-csv">
            {t('reports.csv')}
          </Button>
          <Button component="a" href={`/api/v1/reports/${kind}.pdf?${qs}`} variant="light" leftSection={<IconFileTypePdf size={18} />} data-testid="report-pdf">
            {t('reports.pdf')}
          </Button>
        </Group>
      </Group>
      <PeriodPicker value={period} onChange={setPeriod} />
      {report.isError && <Alert color="red">{problemMessage(report.error, t, i18n.language)}</Alert>}
      {report.isPending && <Loader />}
      {r && <ReportBody report={r} lang={i18n.language} />}
    </Stack>
  );
}

function ReportBody({ report: r, lang }: { report: Schemas['Report']; lang: string }) {
  const { t } = useTranslation();
  const show = (v: string, money: boolean) => (money && v !== '' ? formatMoney(v, lang, r.currency || undefined) : v);
  return (
    <>
      <Text c="dimmed" data-testid="report-period" data-from={r.period.from} data-to={r.period.to}>
        {t('reports.periodLine', { from: r.period.from, to: r.period.to, zone: r.period.time_zone })}
      </Text>
      <SimpleGrid cols={{ base: 2, md: Math.min(6, Math.max(2, r.figures.length)) }}>
        {r.figures.map((f) => (
          <Card withBorder padding="sm" key={f.key}>
            <Text size="sm" c="dimmed">
              {f.label}
            </Text>
            <Text size="xl" fw={700} data-testid={`figure-${f.key}`} data-value={f.value}>
              {show(f.value, f.money) || '—'}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
      {r.sections.map((s) => (
        <Card withBorder key={s.key} data-testid={`section-${s.key}`}>
          <Title order={4} mb="sm">
            {s.title}
          </Title>
          {s.rows.length === 0 ? (
            <Text c="dimmed">{t('reports.nothing')}</Text>
          ) : (
            <>
              {s.chart !== 'none' && (
                <Suspense fallback={null}>
                  <SectionChart section={s} />
                </Suspense>
              )}
              <Table.ScrollContainer minWidth={400}>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th />
                      {s.columns.map((c) => (
                        <Table.Th key={c.key} ta={c.text ? 'left' : 'right'}>
                          {c.label}
                        </Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {s.rows.map((row) => (
                      <Table.Tr key={row.key} data-row={row.key}>
                        <Table.Td>{row.label}</Table.Td>
                        {row.values.map((v, i) => (
                          <Table.Td key={s.columns[i]!.key} data-col={s.columns[i]!.key} data-value={v} ta={s.columns[i]!.text ? 'left' : 'right'}>
                            {show(v, s.columns[i]!.money)}
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          )}
        </Card>
      ))}
    </>
  );
}
