// TrendChart: one trend line chart (@mantine/charts over recharts), loaded lazily.
import { LineChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import type { TrendPoint } from '../clinical/vitals';

export default function TrendChart({ points, series, unit }: { points: TrendPoint[]; series: { name: keyof TrendPoint; label: string; color: string }[]; unit: string }) {
  return (
    <LineChart
      h={180}
      data={points as unknown as Record<string, unknown>[]}
      dataKey="label"
      series={series.map((s) => ({ name: s.name, label: s.label, color: s.color }))}
      curveType="linear"
      connectNulls
      withLegend={series.length > 1}
      withDots
      valueFormatter={(v) => `${v} ${unit}`}
      yAxisProps={{ domain: ['auto', 'auto'], width: 48, tickFormatter: (v: number) => String(v) }}
      xAxisProps={{ tick: false }}
      tooltipAnimationDuration={0}
      lineProps={{ isAnimationActive: false }}
    />
  );
}
