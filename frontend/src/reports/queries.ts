// The reports over any period, the month at a glance and the DHIS2 mapping (internal/reports).
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

export const REPORT_KINDS = ['attendance', 'morbidity', 'revenue', 'pharmacy', 'appointments'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const PERIOD_KINDS = ['day', 'week', 'month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** Who may read each report: attendance and morbidity doctors too, the rest administrators. */
export const REPORT_PERMISSION: Record<ReportKind, string> = {
  attendance: 'reports.clinical',
  morbidity: 'reports.clinical',
  revenue: 'reports.manage',
  pharmacy: 'reports.manage',
  appointments: 'reports.manage',
};

export interface PeriodParams {
  period: PeriodKind;
  date?: string;
  from?: string;
  to?: string;
}

/** periodSearch is the query string of a period (also for the CSV, PDF and DHIS2 links). */
export function periodSearch(p: PeriodParams): string {
  const q = new URLSearchParams({ period: p.period });
  if (p.period === 'custom') {
    if (p.from) q.set('from', p.from);
    if (p.to) q.set('to', p.to);
  } else if (p.date) q.set('date', p.date);
  return q.toString();
}

const reportKey = (kind: ReportKind, p: PeriodParams) => ['reports', kind, periodSearch(p)] as const;

export function useReport(kind: ReportKind, p: PeriodParams, enabled = true) {
  return useQuery({
    queryKey: reportKey(kind, p),
    enabled,
    // Every report answers the same shape; the path names the kind.
    queryFn: () => unwrap(api.client.GET(`/api/v1/reports/${kind}` as '/api/v1/reports/attendance', { params: { query: { ...p } } })),
  });
}

export const DASHBOARD_KEY = ['reports', 'dashboard'] as const;

export function useDashboard() {
  return useQuery({ queryKey: DASHBOARD_KEY, queryFn: () => unwrap(api.client.GET('/api/v1/reports/dashboard')), staleTime: 60_000 });
}

export const DHIS2_KEY = ['reports', 'dhis2', 'mapping'] as const;

export function useDhis2Mapping() {
  return useQuery({ queryKey: DHIS2_KEY, queryFn: () => unwrap(api.client.GET('/api/v1/reports/dhis2/mapping')) });
}

export function useSaveDhis2Mapping(options: SaveOptions<Schemas['DHIS2Mapping'], Schemas['DHIS2Mapping']>) {
  return useApiMutation({
    ...options,
    invalidate: [DHIS2_KEY],
    mutationFn: (body) => unwrap(api.client.PUT('/api/v1/reports/dhis2/mapping', { body })),
  });
}
