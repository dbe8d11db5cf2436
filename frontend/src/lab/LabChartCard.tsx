// The patient's laboratory on the chart: every result with its flag (newest first), and a
// numeric test's trend beside the vitals' trends (the same chart).
import { Card, Loader, Select, Stack, Text, Title } from '@mantine/core';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TrendPoint } from '../clinical/vitals';
import { formatDate } from '../i18n/format';
import { ResultsTable } from './ResultsTable';
import { useLabTrend, usePatientLabResults } from './queries';

const TrendChart = lazy(() => import('../patients/TrendChart'));

export function LabChartCard({ patientId, canAcknowledge }: { patientId: number; canAcknowledge: boolean }) {
  const { t, i18n } = useTranslation();
  const results = usePatientLabResults(patientId);
  const items = results.data ?? [];
  const numeric = useMemo(() => {
    const seen = new Map<number, string>();
    for (const r of items) if (r.result_type === 'numeric' && r.status === 'final' && !seen.has(r.test_id)) seen.set(r.test_id, r.test_name);
    return [...seen].map(([id, name]) => ({ value: String(id), label: name }));
  }, [items]);
  const [picked, setPicked] = useState<string | null>(null);
  const testId = Number(picked ?? numeric[0]?.value ?? 0);
  const trend = useLabTrend(patientId, testId);
  const points = (trend.data?.points ?? []).map((p) => ({ label: formatDate(p.at, i18n.language), value: p.value }));
  return (
    <Card withBorder data-testid="lab-chart">
      <Title order={4} mb="sm">
        {t('lab.title')}
      </Title>
      {results.isSuccess && items.length === 0 && <Text c="dimmed">{t('lab.noResults')}</Text>}
      {items.length > 0 && (
        <Stack>
          <ResultsTable results={items} canAcknowledge={canAcknowledge} />
          {numeric.length > 0 && (
            <div data-testid="lab-trend" data-points={points.length}>
              <Select label={t('lab.trend')} data={numeric} value={String(testId)} onChange={setPicked} w={260} allowDeselect={false} />
              {points.length > 0 && (
                <Suspense fallback={<Loader size="sm" aria-label={t('common.loading')} />}>
                  <TrendChart
                    points={points as unknown as TrendPoint[]}
                    series={[{ name: 'value' as keyof TrendPoint, label: numeric.find((n) => Number(n.value) === testId)?.label ?? '', color: 'indigo.6' }]}
                    unit={trend.data?.unit ?? ''}
                  />
                </Suspense>
              )}
            </div>
          )}
        </Stack>
      )}
    </Card>
  );
}
