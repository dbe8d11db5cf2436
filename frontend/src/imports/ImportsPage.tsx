// ImportsPage: bringing a clinic's existing records in from a spreadsheet (issue 23). The
// administrator picks what the file holds and the file; Chelal checks the whole file (a dry
// run) and shows the columns it found, which column it reads for each field (changeable, and
// remembered by the server for next time), the first rows with every problem marked, and how
// many rows would be refused. Import writes the good rows in one transaction; the refused rows
// come back as a file with the reason per row. Earlier imports can be undone while unchanged.
// The check and the import run as a job on the server: the upload answers at once, and the page
// follows the job (rows read of the file's rows) with a progress bar until its report comes.
import { Alert, Badge, Button, Card, FileInput, Group, Progress, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconFileImport } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api';
import { toApiError } from '../api/client';
import type { components } from '../api/schema';
import { problemMessage } from '../forms/errors';
import { formatDateTime } from '../i18n/format';
import { QueryError } from '../shell/PageState';

type SheetImportResult = components['schemas']['SheetResult'];
type ImportJob = components['schemas']['JobStatus'];
type Kind = 'patients' | 'medications' | 'services';

const KINDS: Kind[] = ['patients', 'medications', 'services'];
const DATE_FORMATS = ['DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD', 'DD.MM.YYYY', 'DD-MM-YYYY'];
const IMPORTS_KEY = ['imports'] as const;
const JOB_KEY = ['imports', 'job'] as const;
const FIELD_NAMES = [
  'unique_id', 'first_name', 'last_name', 'date_of_birth', 'age', 'gender', 'contact_info', 'address', 'known_allergies', 'name',
  'strength', 'form', 'category', 'unit_price', 'quantity', 'expiry_date', 'batch_number', 'reorder_level', 'code', 'price',
] as const;
type FieldName = (typeof FIELD_NAMES)[number];
const isFieldName = (n: string): n is FieldName => (FIELD_NAMES as readonly string[]).includes(n);

/** contentType is what the upload is sent as (the server also reads the file name's extension). */
function contentType(file: File): string {
  return file.name.toLowerCase().endsWith('.csv') ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
}

async function upload(kind: Kind, file: File, dryRun: boolean, dateFormat: string | null, mapping: Record<string, string> | null): Promise<ImportJob> {
  const q = new URLSearchParams({ kind, file_name: file.name, dry_run: String(dryRun) });
  if (dateFormat) q.set('date_format', dateFormat);
  if (mapping) q.set('mapping', JSON.stringify(mapping));
  const res = await api.fetch(`/api/v1/imports?${q.toString()}`, { method: 'POST', body: file, headers: { 'Content-Type': contentType(file) } });
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw toApiError(res, body);
  return body as ImportJob;
}

/** JobProgress is the bar of a running check or import: rows read of the file's rows. */
function JobProgress({ job }: { job: ImportJob }) {
  const { t, i18n } = useTranslation();
  const nf = new Intl.NumberFormat(i18n.language);
  if (job.phase === 'counting' || job.rows_total === 0) {
    return (
      <Stack gap={4}>
        <Text size="sm">{t('imports.counting', { file: job.file_name })}</Text>
        <Progress value={100} animated striped aria-label={t('imports.counting', { file: job.file_name })} />
      </Stack>
    );
  }
  const percent = Math.min(100, Math.floor((job.rows_done * 100) / job.rows_total));
  const text =
    job.phase === 'finishing'
      ? t('imports.finishing')
      : t('imports.progress', { done: nf.format(job.rows_done), total: nf.format(job.rows_total), percent });
  return (
    <Stack gap={4} data-testid="import-progress">
      <Text size="sm">{text}</Text>
      <Progress value={percent} aria-label={text} aria-valuenow={percent} />
    </Stack>
  );
}

function downloadRefused(csv: string, name: string) {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name.replace(/\.(csv|xlsx|xlsm)$/i, '') + '-refused.csv';
  a.click();
  URL.revokeObjectURL(url);
}

export function ImportsPage() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(`${t('imports.title')} · Chelal`);
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind>('patients');
  const [file, setFile] = useState<File | null>(null);
  const [dateFormat, setDateFormat] = useState<string | null>(null);
  const [mapping, setMapping] = useState<Record<string, string> | null>(null);
  const [checked, setChecked] = useState<SheetImportResult | null>(null);
  const [done, setDone] = useState<SheetImportResult | null>(null);
  const runs = useQuery({ queryKey: IMPORTS_KEY, queryFn: () => unwrap(api.client.GET('/api/v1/imports')) });

  // The job the page follows: the latest one (a check or an import started here, or still
  // running from before), polled while it runs.
  const [followed, setFollowed] = useState<number | null>(null);
  const [handled, setHandled] = useState<number | null>(null);
  const job = useQuery({
    queryKey: JOB_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/imports/job')),
    refetchInterval: (q) => (q.state.data?.state === 'running' ? 500 : false),
  });
  const current = job.data;
  useEffect(() => {
    if (!current || current.state === 'running' || current.id !== followed || current.id === handled) return;
    setHandled(current.id);
    const r = current.result;
    if (!current.dry_run) void qc.invalidateQueries({ queryKey: IMPORTS_KEY });
    if (current.state !== 'done' || !r) return;
    if (current.dry_run) {
      setChecked(r);
      setMapping(r.mapping);
      if (r.date_format) setDateFormat(r.date_format);
    } else {
      setDone(r);
      setChecked(null);
    }
  }, [current, followed, handled, qc]);
  const follow = (j: ImportJob) => {
    setFollowed(j.id);
    qc.setQueryData(JOB_KEY, j);
  };
  const check = useMutation({
    mutationFn: (v: { f: File; k: Kind; df: string | null; m: Record<string, string> | null }) => upload(v.k, v.f, true, v.df, v.m),
    onSuccess: follow,
  });
  const run = useMutation({
    mutationFn: () => upload(kind, file!, false, dateFormat, mapping),
    onSuccess: follow,
  });
  const running = current?.state === 'running';
  const undo = useMutation({
    mutationFn: (id: number) => unwrap(api.client.POST('/api/v1/imports/{id}/undo', { params: { path: { id } } })),
    onSuccess: (_, id) => {
      notifications.show({ color: 'green', message: t('imports.undoDone', { id }) });
      void qc.invalidateQueries({ queryKey: IMPORTS_KEY });
    },
    onError: (err) => notifications.show({ color: 'red', message: problemMessage(err, t, i18n.language) }),
  });

  const start = (f: File | null, k: Kind, df: string | null, m: Record<string, string> | null) => {
    setDone(null);
    setChecked(null);
    if (f) check.mutate({ f, k, df, m });
  };
  const label = (name: string) => (isFieldName(name) ? t(`imports.fields.${name}`) : name);
  const count = checked?.counts[0];
  const good = count ? count.imported : 0;

  return (
    <Stack>
      <Title order={2}>{t('imports.title')}</Title>
      <Text c="dimmed">{t('imports.intro')}</Text>
      <Card withBorder>
        <Group align="end">
          <Select
            label={t('imports.kind')}
            data={KINDS.map((k) => ({ value: k, label: t(`imports.kinds.${k}`) }))}
            value={kind}
            allowDeselect={false}
            onChange={(v) => {
              const k = (v ?? 'patients') as Kind;
              setKind(k);
              setMapping(null);
              start(file, k, dateFormat, null);
            }}
          />
          <FileInput
            label={t('imports.file')}
            accept=".csv,.xlsx"
            value={file}
            leftSection={<IconFileImport size={16} />}
            onChange={(f) => {
              setFile(f);
              setMapping(null);
              start(f, kind, dateFormat, null);
            }}
            data-testid="import-file"
            w={320}
          />
          <Select
            label={t('imports.dateFormat')}
            description={t('imports.dateFormatHint')}
            data={DATE_FORMATS}
            value={dateFormat}
            onChange={(v) => {
              setDateFormat(v);
              start(file, kind, v, mapping);
            }}
            data-testid="import-date-format"
          />
        </Group>
      </Card>

      {check.isPending && <Progress value={100} animated striped aria-label={t('imports.checking')} />}
      <QueryError query={check} />
      {current && running && <JobProgress job={current} />}
      {current?.state === 'failed' && (current.id === followed || !current.dry_run) && (
        <Alert color="red" data-testid="import-failed">
          {t('imports.failed', { file: current.file_name, error: current.error })}
        </Alert>
      )}
      {current?.state === 'interrupted' && (
        <Alert color="orange" data-testid="import-interrupted">
          {t('imports.interrupted', { file: current.file_name })}
        </Alert>
      )}

      {checked && (
        <Card withBorder>
          <Stack>
            <Text size="sm">{t('imports.columns', { columns: checked.columns.join(' | ') })}</Text>
            {checked.notes.length > 0 && (
              <Alert color="yellow">
                {checked.notes.map((n, i) => (
                  <Text key={i} size="sm">
                    {n.reason}
                  </Text>
                ))}
              </Alert>
            )}
            <Title order={4}>{t('imports.mapping')}</Title>
            <Table>
              <Table.Tbody>
                {checked.fields.map((f) => (
                  <Table.Tr key={f.name}>
                    <Table.Td>
                      {label(f.name)} {f.required && <Badge size="xs">{t('imports.required')}</Badge>}
                    </Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={label(f.name)}
                        data={checked.columns.filter((c) => c !== '')}
                        value={mapping?.[f.name] ?? null}
                        placeholder={t('imports.notMapped')}
                        clearable
                        onChange={(v) => {
                          const m = { ...(mapping ?? {}) };
                          if (v) m[f.name] = v;
                          else delete m[f.name];
                          setMapping(m);
                          start(file, kind, dateFormat, m);
                        }}
                        data-testid={`map-${f.name}`}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {count && (
              <>
                <Title order={4}>{t('imports.preview')}</Title>
                <Table striped data-testid="import-preview">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('imports.line')}</Table.Th>
                      {checked.fields.map((f) => (
                        <Table.Th key={f.name}>{label(f.name)}</Table.Th>
                      ))}
                      <Table.Th>{t('imports.problems')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {checked.preview.map((row) => (
                      <Table.Tr key={row.line} data-problem={row.problems.length > 0 || undefined}>
                        <Table.Td>{row.line}</Table.Td>
                        {checked.fields.map((f) => (
                          <Table.Td key={f.name} c={row.problems.some((p) => p.field === f.name) ? 'red' : undefined}>
                            {row.values[f.name]}
                          </Table.Td>
                        ))}
                        <Table.Td c={row.problems.length ? 'red' : 'green'}>
                          {row.problems.length ? row.problems.map((p) => p.message).join('; ') : t('imports.noProblem')}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Text data-testid="import-summary">{t('imports.summary', { read: count.read, good, refused: count.refused })}</Text>
                <Group>
                  <Button onClick={() => run.mutate()} loading={run.isPending || running} disabled={good === 0} data-testid="import-run">
                    {t('imports.import', { count: good })}
                  </Button>
                  {checked.refused_csv && (
                    <Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => downloadRefused(checked.refused_csv, file!.name)}>
                      {t('imports.downloadRefused')}
                    </Button>
                  )}
                </Group>
              </>
            )}
          </Stack>
        </Card>
      )}

      {run.isPending && <Progress value={100} animated striped aria-label={t('imports.importing')} />}
      <QueryError query={run} />
      {done && (
        <Alert color="green" data-testid="import-done">
          <Stack gap="xs">
            <Text>{t('imports.done', { id: done.import_id, imported: done.counts[0]?.imported ?? 0, refused: done.counts[0]?.refused ?? 0 })}</Text>
            {done.refused_csv && (
              <Group>
                <Button variant="default" size="xs" leftSection={<IconDownload size={16} />} onClick={() => downloadRefused(done.refused_csv, done.source)}>
                  {t('imports.downloadRefused')}
                </Button>
              </Group>
            )}
          </Stack>
        </Alert>
      )}

      <Title order={4}>{t('imports.history')}</Title>
      <Table data-testid="import-history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>{t('imports.when')}</Table.Th>
            <Table.Th>{t('imports.kind')}</Table.Th>
            <Table.Th>{t('imports.source')}</Table.Th>
            <Table.Th>{t('imports.by')}</Table.Th>
            <Table.Th>{t('imports.rows')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(runs.data?.items ?? []).map((r) => {
            const c = Object.values(r.counts)[0];
            return (
              <Table.Tr key={r.id}>
                <Table.Td>{r.id}</Table.Td>
                <Table.Td>{formatDateTime(r.created_at, i18n.language)}</Table.Td>
                <Table.Td>{KINDS.includes(r.kind as Kind) ? t(`imports.kinds.${r.kind as Kind}`) : r.kind}</Table.Td>
                <Table.Td>{r.source}</Table.Td>
                <Table.Td>{r.username ?? '-'}</Table.Td>
                <Table.Td>{c ? `${c.imported ?? 0} / ${c.read ?? 0}` : ''}</Table.Td>
                <Table.Td>
                  {r.undone_at ? (
                    <Badge color="gray">{t('imports.undone')}</Badge>
                  ) : (
                    <Button size="xs" variant="light" color="red" loading={undo.isPending && undo.variables === r.id} onClick={() => undo.mutate(r.id)}>
                      {t('imports.undo')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
