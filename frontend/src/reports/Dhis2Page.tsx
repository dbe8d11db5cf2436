// The DHIS2 export (/reports/dhis2, administrators): the mapping of report cells to the data
// set's data elements and category option combos (edited as JSON, see
// docs/dhis2-mapping.example.json), and the dataValueSets file of a period to upload to DHIS2.
import { useEffect } from 'react';
import { Alert, Button, Card, Group, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconDownload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api';
import { useSession } from '../auth/session';
import { usePersistentForm } from '../forms/usePersistentForm';
import { PeriodPicker, usePeriod } from './PeriodReport';
import { periodSearch, useDhis2Mapping, useSaveDhis2Mapping } from './queries';

export function Dhis2Page() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('reports.kinds.dhis2')} · Chelal`);
  const { user } = useSession();
  const mapping = useDhis2Mapping();
  const [period, setPeriod] = usePeriod();
  const { form, discardDraft } = usePersistentForm({
    id: 'dhis2-mapping',
    owner: user.id,
    initialValues: { data_set: '', org_unit: '', cells: '[]' },
    validate: {
      cells: (v: string) => {
        try {
          return Array.isArray(JSON.parse(v)) ? null : t('reports.dhis2.cellsArray');
        } catch {
          return t('reports.dhis2.cellsJson');
        }
      },
    },
  });
  const m = mapping.data;
  useEffect(() => {
    if (m && !form.isDirty()) {
      const v = { data_set: m.data_set, org_unit: m.org_unit, cells: JSON.stringify(m.cells, null, 2) };
      form.setValues(v);
      form.resetDirty(v);
    }
  }, [m]);
  const save = useSaveDhis2Mapping({ form, success: t('reports.dhis2.saved'), onSuccess: () => discardDraft() });
  const submit = form.onSubmit((v) => {
    const body: Schemas['DHIS2Mapping'] = { data_set: v.data_set.trim(), org_unit: v.org_unit.trim(), cells: JSON.parse(v.cells), version: m?.version ?? 0 };
    void save.submit(body);
  });
  const dhisPeriod = period.period === 'custom' ? { ...period, period: 'month' as const } : period;
  return (
    <Stack data-testid="dhis2-page">
      <Title order={2}>{t('reports.kinds.dhis2')}</Title>
      <Card withBorder>
        <Title order={4}>{t('reports.dhis2.export')}</Title>
        <Text size="sm" c="dimmed" mb="sm">
          {t('reports.dhis2.exportHint')}
        </Text>
        <Group align="end">
          <PeriodPicker value={dhisPeriod} onChange={setPeriod} />
          <Button component="a" href={`/api/v1/reports/dhis2.json?${periodSearch(dhisPeriod)}`} leftSection={<IconDownload size={18} />} data-testid="dhis2-download">
            {t('reports.dhis2.download')}
          </Button>
        </Group>
      </Card>
      <Card withBorder component="form" onSubmit={submit}>
        <Stack>
          <Title order={4}>{t('reports.dhis2.mapping')}</Title>
          <Text size="sm" c="dimmed">
            {t('reports.dhis2.mappingHint')}
          </Text>
          <Group grow>
            <TextInput label={t('reports.dhis2.dataSet')} maxLength={11} {...form.getInputProps('data_set')} />
            <TextInput label={t('reports.dhis2.orgUnit')} maxLength={11} {...form.getInputProps('org_unit')} />
          </Group>
          <Textarea label={t('reports.dhis2.cells')} autosize minRows={8} maxRows={24} ff="monospace" {...form.getInputProps('cells')} />
          {save.message && <Alert color="red">{save.message}</Alert>}
          <Group justify="flex-end">
            <Button type="submit" loading={save.busy}>
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}
