// VitalsTrends: a patient's vitals over time on the chart: blood pressure, heart rate,
// temperature, weight and BMI as line charts (@mantine/charts over recharts, bundled), in the
// clinic's units, and the table of the readings behind them.
import { Alert, Card, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { clinicalProblem, usePatientVitals } from '../clinical/queries';
import { clinicUnits, TEMPERATURE_SYMBOL, trendPoints, type TrendPoint } from '../clinical/vitals';
import { VitalsTable } from '../clinical/VitalsTable';
import { formatDate, formatTime } from '../i18n/format';

// The charting library is loaded with the first chart, not with the app.
const TrendChart = lazy(() => import('./TrendChart'));

type Trend = { key: string; title: string; unit: string; series: { name: keyof TrendPoint; label: string; color: string }[] };

export function VitalsTrends({ patientId }: { patientId: number }) {
  const { t, i18n } = useTranslation();
  const vitals = usePatientVitals(patientId);
  const units = clinicUnits(vitals.data?.units);
  const items = vitals.data?.items ?? [];
  const points = useMemo(
    () => trendPoints(items, units, (at) => `${formatDate(at, i18n.language)} ${formatTime(at, i18n.language)}`),
    [items, units.temperature, units.weight, i18n.language],
  );
  const trends: Trend[] = [
    {
      key: 'bp',
      title: t('vitals.columns.bp'),
      unit: 'mmHg',
      series: [
        { name: 'systolic_bp', label: t('vitals.fields.systolic_bp'), color: 'red.6' },
        { name: 'diastolic_bp', label: t('vitals.fields.diastolic_bp'), color: 'blue.6' },
      ],
    },
    { key: 'heart_rate', title: t('vitals.fields.heart_rate'), unit: '/min', series: [{ name: 'heart_rate', label: t('vitals.fields.heart_rate'), color: 'pink.6' }] },
    {
      key: 'temperature',
      title: t('vitals.fields.temperature'),
      unit: TEMPERATURE_SYMBOL[units.temperature],
      series: [{ name: 'temperature', label: t('vitals.fields.temperature'), color: 'orange.6' }],
    },
    { key: 'weight', title: t('vitals.fields.weight'), unit: units.weight, series: [{ name: 'weight', label: t('vitals.fields.weight'), color: 'teal.6' }] },
    { key: 'bmi', title: t('vitals.fields.bmi'), unit: 'kg/m²', series: [{ name: 'bmi', label: t('vitals.fields.bmi'), color: 'grape.6' }] },
  ];

  return (
    <Card withBorder data-testid="vitals-trends" data-readings={items.length}>
      <Title order={4} mb="sm">
        {t('vitals.trends')}
      </Title>
      {vitals.isError && <Alert color="red">{clinicalProblem(vitals.error, t, i18n.language)}</Alert>}
      {vitals.isSuccess && items.length === 0 && <Text c="dimmed">{t('vitals.noneYet')}</Text>}
      {items.length > 0 && (
        <Stack>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {trends.map((tr) => {
              // A reading may lack this measure (a weight alone): the chart shows the readings that have it.
              const own = points.filter((p) => tr.series.some((s) => p[s.name] != null));
              const n = own.length;
              return (
                <div key={tr.key} data-testid={`trend-${tr.key}`} data-points={n}>
                  <Text fw={600} size="sm">
                    {tr.title}{' '}
                    <Text span c="dimmed" size="xs">
                      ({tr.unit})
                    </Text>
                  </Text>
                  {n === 0 ? (
                    <Text size="sm" c="dimmed">
                      {t('vitals.noValues')}
                    </Text>
                  ) : (
                    <Suspense fallback={<Loader size="sm" aria-label={t('common.loading')} />}>
                      <TrendChart points={own} series={tr.series} unit={tr.unit} />
                    </Suspense>
                  )}
                </div>
              );
            })}
          </SimpleGrid>
          <VitalsTable items={items} units={units} newestFirst testId="vitals-history" />
        </Stack>
      )}
    </Card>
  );
}
