// The daily report's two charts, in a module of their own: the charting library (recharts,
// @mantine/charts) is loaded with the report, not with every screen.
import '@mantine/charts/styles.css';
import { BarChart, DonutChart } from '@mantine/charts';

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

export default { MethodDonut, CashierBars };
