// The reports' charts, in a module of their own: the charting library (recharts,
// @mantine/charts) is loaded with the reports, not with every screen.
import '@mantine/charts/styles.css';
import { BarChart, DonutChart, LineChart } from '@mantine/charts';
import type { Schemas } from '../api';
import { chartAmount } from './report';

export interface Slice {
  name: string;
  value: number;
  color: string;
}

export function MethodDonut({ data }: { data: Slice[] }) {
  return <DonutChart size={140} thickness={24} withTooltip={false} data={data} />;
}

export function CashierBars({ data, label }: { data: { name: string; amount: number }[]; label: string }) {
  return (
    <BarChart
      h={60 + 36 * data.length}
      orientation="vertical"
      dataKey="name"
      data={data}
      series={[{ name: 'amount', label, color: 'teal.6' }]}
      withTooltip={false}
    />
  );
}

const COLORS = ['teal.6', 'blue.6', 'orange.6', 'grape.6', 'red.6', 'gray.6'];

/**
 * SectionChart draws a report section: "bar", its rows' first column (at most twelve rows);
 * "line", every column along the rows (the days of the period).
 */
export function SectionChart({ section }: { section: Schemas['ReportSection'] }) {
  if (section.chart === 'bar') {
    const rows = section.rows.slice(0, 12);
    const col = section.columns[0]!;
    return (
      <BarChart
        h={60 + 30 * rows.length}
        orientation="vertical"
        dataKey="name"
        data={rows.map((r) => ({ name: r.label, value: chartAmount(r.values[0] ?? '0') }))}
        series={[{ name: 'value', label: col.label, color: 'teal.6' }]}
        withTooltip={false}
      />
    );
  }
  if (section.chart === 'line') {
    const cols = section.columns.filter((c) => !c.text);
    return (
      <LineChart
        h={220}
        dataKey="name"
        curveType="linear"
        withDots={section.rows.length <= 31}
        data={section.rows.map((r) => {
          const point: Record<string, string | number> = { name: r.label };
          cols.forEach((c) => {
            point[c.key] = chartAmount(r.values[section.columns.indexOf(c)] ?? '0');
          });
          return point;
        })}
        series={cols.map((c, i) => ({ name: c.key, label: c.label, color: COLORS[i % COLORS.length]! }))}
        withLegend
      />
    );
  }
  return null;
}

export default { MethodDonut, CashierBars, SectionChart };
