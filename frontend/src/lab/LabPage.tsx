// The lab's day: the worklist by urgency and waiting time (the patient's identity, sex, age and
// allergies, the order's clinical note; never the consultation's notes), the specimen's
// collection with its 80 mm label, result entry (numbers with their unit, a choice, or text),
// a second technician's verification, the amendment of a final result with a reason, and the
// lab's reports as CSV over a date range, and the test catalog (administrators edit it).
import { Alert, Badge, Button, Card, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconBarcode, IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { clinicToday, formatDateTime } from '../i18n/format';
import { PdfButton } from '../shell/PdfButton';
import { useNow } from '../shell/useNow';
import { CatalogCard } from './CatalogCard';
import { FlagBadge, resultValue } from './ResultsTable';
import { useCollect, useEnterResult, useVerify, useWorklist, type LabOrder, type LabResult } from './queries';
import { QueryError } from '../shell/PageState';

function minutesSince(iso: string, now: number): number {
  return Math.max(0, Math.round((now - new Date(iso).getTime()) / 60000));
}

function ResultEntry({ r }: { r: LabResult }) {
  const { t } = useTranslation();
  const { user, can } = useSession();
  const final = r.status === 'final';
  const [amending, setAmending] = useState(false);
  const [num, setNum] = useState<number | string>('');
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const enter = useEnterResult(final, { success: t('lab.saved'), close: () => setAmending(false) });
  const verify = useVerify({ success: t('lab.verified') });
  const editing = !final || amending;
  const submit = () =>
    enter.submit({
      id: r.id,
      version: r.version,
      ...(r.result_type === 'numeric' ? { value_numeric: num === '' ? null : Number(num) } : { value_text: text }),
      ...(final ? { reason } : {}),
    });
  return (
    <Table.Tr data-testid="lab-entry" data-test={r.test_code} data-status={r.status}>
      <Table.Td>{r.test_name}</Table.Td>
      <Table.Td>
        {editing && can('lab.write') ? (
          <Group gap="xs" wrap="nowrap">
            {r.result_type === 'numeric' && (
              <NumberInput
                aria-label={r.test_name}
                value={num}
                onChange={setNum}
                decimalScale={3}
                rightSection={<Text size="xs">{r.unit}</Text>}
                rightSectionWidth={70}
                w={170}
                data-testid="lab-value"
              />
            )}
            {r.result_type === 'choice' && (
              <Select
                aria-label={r.test_name}
                data={r.choices.map((c) => ({ value: c, label: t(`lab.choice.${c}`, { defaultValue: c }) }))}
                value={text || null}
                onChange={(v) => setText(v ?? '')}
                w={200}
                data-testid="lab-choice"
              />
            )}
            {r.result_type === 'text' && <TextInput aria-label={r.test_name} value={text} onChange={(e) => setText(e.currentTarget.value)} data-testid="lab-text" />}
            {final && <TextInput placeholder={t('lab.amendReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid="lab-amend-reason" />}
            <Button size="compact-sm" loading={enter.busy} onClick={submit} data-testid="lab-save">
              {final ? t('lab.amend') : t('lab.save')}
            </Button>
          </Group>
        ) : (
          <Group gap="xs">
            <Text span>{resultValue(r, t as (k: string) => string, 'en')}</Text>
            {final && can('lab.write') && (
              <Button size="compact-xs" variant="subtle" onClick={() => setAmending(true)} data-testid="lab-amend">
                {t('lab.amend')}
              </Button>
            )}
          </Group>
        )}
      </Table.Td>
      <Table.Td>{r.reference}</Table.Td>
      <Table.Td>
        <Group gap="xs">
          <FlagBadge flag={r.flag} />
          {r.status === 'entered' && (
            <Button
              size="compact-xs"
              variant="light"
              loading={verify.busy}
              disabled={r.entered_by_name === `${user.first_name} ${user.last_name}`.trim()}
              onClick={() => verify.submit({ id: r.id, version: r.version })}
              data-testid="lab-verify"
            >
              {t('lab.verify')}
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function WorkItem({ o, now }: { o: LabOrder; now: number }) {
  const { t, i18n } = useTranslation();
  const collect = useCollect({ success: t('lab.collectedToast') });
  const waited = minutesSince(o.created_at, now);
  return (
    <Card withBorder data-testid="worklist-order" data-order={o.id} data-status={o.status}>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Text fw={600}>{o.patient_name}</Text>
          <Text c="dimmed">{o.patient_unique_id}</Text>
          <Badge variant="light">{t(`lab.sex.${o.patient_sex}`, { defaultValue: o.patient_sex })}</Badge>
          <Text size="sm">{formatDateTime(o.patient_birth_date, i18n.language).split(' ')[0]}</Text>
          {o.urgency !== 'routine' && <Badge color={o.urgency === 'stat' ? 'red' : 'orange'}>{t(`lab.urgency.${o.urgency}`)}</Badge>}
          <Badge variant="outline">{t(`lab.status.${o.status}`)}</Badge>
        </Group>
        <Text size="sm" c={waited > 60 ? 'red' : 'dimmed'} data-testid="lab-waiting">
          {t('lab.waiting', { n: waited })}
        </Text>
      </Group>
      {o.known_allergies && (
        <Alert color="orange" py={4} mt="xs" data-testid="lab-allergies">
          {t('lab.allergies', { allergies: o.known_allergies })}
        </Alert>
      )}
      <Text size="sm" mt="xs">
        {t('lab.orderedBy', { name: o.ordered_by_name })} · {o.tests.join(', ')}
      </Text>
      {o.clinical_note && (
        <Text size="sm" c="dimmed" data-testid="lab-clinical-note">
          {o.clinical_note}
        </Text>
      )}
      <Group mt="xs">
        {o.status === 'ordered' ? (
          <Button size="compact-sm" loading={collect.busy} onClick={() => collect.submit({ id: o.id, version: o.version })} data-testid="lab-collect">
            {t('lab.collect')}
          </Button>
        ) : (
          <Text size="sm">{t('lab.collectedBy', { name: o.collected_by_name, at: o.collected_at ? formatDateTime(o.collected_at, i18n.language) : '' })}</Text>
        )}
        <PdfButton href={`/api/v1/lab/orders/${o.id}/label.pdf`} size="compact-sm" icon={<IconBarcode size={16} />} data-testid="lab-label">
          {t('lab.label')}
        </PdfButton>
      </Group>
      {o.status !== 'ordered' && (
        <Table mt="xs" verticalSpacing={4}>
          <Table.Tbody>
            {o.results.map((r) => (
              <ResultEntry key={`${r.id}-${r.version}`} r={r} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

function Reports() {
  const { t } = useTranslation();
  const today = clinicToday();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  return (
    <Card withBorder data-testid="lab-reports">
      <Title order={4}>{t('lab.reports')}</Title>
      <Group align="end" mt="xs" wrap="wrap">
        <TextInput type="date" label={t('lab.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput type="date" label={t('lab.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        {(['workload', 'turnaround', 'positivity'] as const).map((k) => (
          <Button
            key={k}
            component="a"
            href={`/api/v1/lab/reports/${k}?from=${from}&to=${to}`}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
            data-testid={`lab-report-${k}`}
          >
            {t(`lab.report.${k}`)}
          </Button>
        ))}
      </Group>
    </Card>
  );
}

export function LabPage() {
  const { t } = useTranslation();
  const list = useWorklist();
  const now = useNow(30_000);
  return (
    <Stack>
      <Title order={2}>{t('lab.worklist')}</Title>
      <QueryError query={list} />
      {list.data?.length === 0 && <Text c="dimmed">{t('lab.nothingWaiting')}</Text>}
      <Stack data-testid="worklist">
        {list.data?.map((o) => (
          <WorkItem key={o.id} o={o} now={now} />
        ))}
      </Stack>
      <Reports />
      <CatalogCard />
    </Stack>
  );
}
