// The audit log (administrators): who did what, and when. Filters by user, patient (their
// record and everything that hangs off it: appointments, encounters, vitals, prescriptions,
// dispenses, bills), table, action and a date range (days of the clinic's time zone, applied by
// the server); newest first, a page at a time; a row opens a drawer with the before and after
// value of each changed field side by side; the same filters export as CSV.
import { Badge, Button, Code, CloseButton, Drawer, Group, NativeSelect, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { TFunction } from 'i18next';
import { IconDownload } from '@tabler/icons-react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import type { AuditRow, PatientMatch } from '../api/types';
import { formatDateTime } from '../i18n/format';
import { PatientPicker } from '../patients/PatientPicker';
import { AUDIT_ACTIONS, AUDIT_TABLES, auditQuery, changedFields, isChange, type AuditFilter } from './audit';
import { DateField } from '../forms/DateField';
import { TableHead } from '../shell/TableHead';
import { QueryError } from '../shell/PageState';

export function AuditPage() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t('areas.audit')} · Chelal`);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [patient, setPatient] = useState<PatientMatch | null>(null);
  const [patientText, setPatientText] = useState('');
  const [open, setOpen] = useState<AuditRow | null>(null);
  const set = (patch: Partial<AuditFilter>) => setFilter((f) => ({ ...f, ...patch }));

  const users = useQuery({
    queryKey: ['users', 'audit-picker'],
    queryFn: () => unwrap(api.client.GET('/api/v1/users', { params: { query: { limit: 200 } } })),
  });
  const rows = useInfiniteQuery({
    queryKey: ['audit', filter],
    queryFn: ({ pageParam }) =>
      unwrap(api.client.GET('/api/v1/audit', { params: { query: { ...filter, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = rows.data?.pages.flatMap((p) => p.items) ?? [];
  const csv = `/api/v1/audit.csv${auditQuery(filter)}`;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('areas.audit')}</Title>
        <Button component="a" href={csv} variant="light" leftSection={<IconDownload size={18} />} data-testid="audit-csv">
          {t('audit.export')}
        </Button>
      </Group>
      <Paper withBorder p="sm">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <NativeSelect
            label={t('audit.user')}
            value={filter.user_id ? String(filter.user_id) : ''}
            onChange={(e) => set({ user_id: e.currentTarget.value ? Number(e.currentTarget.value) : undefined })}
            data={[
              { value: '', label: t('audit.anyone') },
              ...(users.data?.items ?? []).map((u) => ({ value: String(u.id), label: `${u.first_name} ${u.last_name} (${u.username})`.trim() })),
            ]}
            data-testid="audit-user"
          />
          <NativeSelect
            label={t('audit.table')}
            value={filter.model_name ?? ''}
            onChange={(e) => set({ model_name: e.currentTarget.value || undefined })}
            data={[{ value: '', label: t('audit.anyTable') }, ...AUDIT_TABLES.map((m) => ({ value: m, label: m }))]}
            data-testid="audit-table"
          />
          <NativeSelect
            label={t('audit.action')}
            value={filter.action ?? ''}
            onChange={(e) => set({ action: e.currentTarget.value || undefined })}
            data={[{ value: '', label: t('audit.anyAction') }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`audit.actions.${a}`) }))]}
            data-testid="audit-action"
          />
          <DateField label={t('audit.from')} name="from" value={filter.from ?? ''} max={filter.to} onChange={(v) => set({ from: v || undefined })} data-testid="audit-from" />
          <DateField label={t('audit.to')} name="to" value={filter.to ?? ''} min={filter.from} onChange={(v) => set({ to: v || undefined })} data-testid="audit-to" />
        </Group>
        <Stack gap={4} mt="sm" maw={520}>
          <Text size="sm" fw={500}>
            {t('audit.patient')}
          </Text>
          {patient ? (
            <Group gap="xs" data-testid="audit-patient-chosen">
              <Badge size="lg" variant="light">
                {patient.first_name} {patient.last_name} · {patient.unique_id}
              </Badge>
              <CloseButton
                aria-label={t('audit.clearPatient')}
                onClick={() => {
                  setPatient(null);
                  set({ patient_id: undefined });
                }}
              />
            </Group>
          ) : (
            <PatientPicker
              value={patientText}
              onChange={setPatientText}
              onPick={(p) => {
                setPatient(p);
                setPatientText('');
                set({ patient_id: p.id });
              }}
              testId="audit-patient"
            />
          )}
          <Text size="xs" c="dimmed">
            {t('audit.patientHint')}
          </Text>
        </Stack>
      </Paper>
      <QueryError query={rows} />
      <Table.ScrollContainer minWidth={760}>
        <Table striped highlightOnHover verticalSpacing="xs" data-testid="audit-table-rows">
          <TableHead
            columns={[t('audit.when'), t('audit.user'), t('audit.action'), t('audit.table'), t('audit.record'), t('audit.ip')]}
          />
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr
                key={r.id}
                data-audit-id={r.id}
                data-action={r.action}
                data-model={r.model_name}
                style={{ cursor: 'pointer' }}
                tabIndex={0}
                onClick={() => setOpen(r)}
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setOpen(r)}
              >
                <Table.Td>{formatDateTime(r.timestamp, i18n.language)}</Table.Td>
                <Table.Td>{r.username ?? t('audit.system')}</Table.Td>
                <Table.Td>{actionLabel(r.action, t)}</Table.Td>
                <Table.Td>
                  <Code>{r.model_name}</Code>
                </Table.Td>
                <Table.Td>{r.object_id || ''}</Table.Td>
                <Table.Td>{r.ip_address ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.isSuccess && items.length === 0 && <Text c="dimmed" data-testid="audit-none">{t('audit.none')}</Text>}
      {rows.hasNextPage && (
        <Group justify="center">
          <Button variant="default" loading={rows.isFetchingNextPage} onClick={() => void rows.fetchNextPage()} data-testid="audit-more">
            {t('common.loadMore')}
          </Button>
        </Group>
      )}
      <Drawer opened={open !== null} onClose={() => setOpen(null)} position="right" size="lg" title={t('audit.detail')}>
        {open && <AuditDetail row={open} />}
      </Drawer>
    </Stack>
  );
}

function actionLabel(action: string, t: TFunction): string {
  return (AUDIT_ACTIONS as readonly string[]).includes(action) ? t(`audit.actions.${action as (typeof AUDIT_ACTIONS)[number]}`) : action;
}

function show(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** AuditDetail: one row: who, when, where, and each changed field's value before and after. */
function AuditDetail({ row }: { row: AuditRow }) {
  const { t, i18n } = useTranslation();
  const fields = changedFields(row.changes);
  return (
    <Stack data-testid="audit-detail">
      <Text size="sm">
        {formatDateTime(row.timestamp, i18n.language)} · {row.username ?? t('audit.system')} · {actionLabel(row.action, t)} · <Code>{row.model_name}</Code>{' '}
        {row.object_id || ''} {row.ip_address ? `· ${row.ip_address}` : ''}
      </Text>
      {isChange(row.changes) ? (
        <Table withTableBorder withColumnBorders data-testid="audit-diff">
          <TableHead columns={[t('audit.field'), t('audit.before'), t('audit.after')]} />
          <Table.Tbody>
            {fields.map((f) => (
              <Table.Tr key={f.field} data-field={f.field}>
                <Table.Td>
                  <Code>{f.field}</Code>
                </Table.Td>
                <Table.Td data-testid="before" bg={f.changed && f.hasBefore ? 'red.0' : undefined} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                  {show(f.before)}
                </Table.Td>
                <Table.Td data-testid="after" bg={f.changed && f.hasAfter ? 'teal.0' : undefined} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                  {show(f.after)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Code block data-testid="audit-details">
          {JSON.stringify(row.changes, null, 2)}
        </Code>
      )}
    </Stack>
  );
}
