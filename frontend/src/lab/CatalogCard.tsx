// The test catalog on the lab's page; administrators (services.write) edit a test: its names,
// unit, turnaround target, critical limits, reference ranges by sex and age band, and whether
// it is offered. Prices are the billing catalog's services (Billing > Catalog).
import { ActionIcon, Badge, Button, Card, Checkbox, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../api';
import { limits } from '../api/limits';
import { useSession } from '../auth/session';
import { FormButtons, FormError } from '../forms/FormFooter';
import { useApiMutation } from '../forms/useApiMutation';
import { usePersistentForm } from '../forms/usePersistentForm';
import { formatMoney } from '../i18n/format';
import { ButtonCell } from '../shell/ActionsTh';
import { labTestsKey, useLabTests, type LabTest } from './queries';

const BANDS = ['newborn', 'infant', 'toddler', 'child_3_5', 'child_6_9', 'child_10_11', 'adolescent', 'adult'] as const;
type Range = LabTest['ranges'][number];
type Specimen = Schemas['TestParams']['specimen'];

function EditTest({ test, onClose }: { test: LabTest; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useSession();
  const { form, discardDraft } = usePersistentForm({
    id: `lab-test-${test.id}`,
    owner: user.id,
    initialValues: {
      name_en: test.name_en,
      name_fr: test.name_fr,
      name_sw: test.name_sw,
      unit: test.unit,
      turnaround_minutes: test.turnaround_minutes as number | string,
      critical_low: (test.critical_low ?? '') as number | string,
      critical_high: (test.critical_high ?? '') as number | string,
      is_active: test.is_active,
      ranges: test.ranges as Range[],
    },
  });
  const save = useApiMutation({
    form,
    success: t('lab.saved'),
    invalidate: [labTestsKey],
    onSuccess: discardDraft,
    close: onClose,
    mutationFn: (v: typeof form.values) => {
      const num = (x: number | string) => (x === '' ? null : Number(x));
      return unwrap(
        api.client.PATCH('/api/v1/lab/tests/{id}', {
          params: { path: { id: test.id } },
          body: {
            code: test.code,
            specimen: test.specimen as Specimen,
            result_type: test.result_type,
            choices: test.choices,
            abnormal_choices: test.abnormal_choices,
            members: test.members,
            service_id: test.service_id,
            version: test.version,
            name_en: v.name_en,
            name_fr: v.name_fr,
            name_sw: v.name_sw,
            unit: v.unit,
            turnaround_minutes: Number(v.turnaround_minutes),
            critical_low: num(v.critical_low),
            critical_high: num(v.critical_high),
            is_active: v.is_active,
            ranges: v.ranges.map((r) => ({ ...r, lo: Number(r.lo), hi: Number(r.hi) })),
          },
        }),
      );
    },
  });
  const L = limits.TestParams;
  return (
    <Modal opened onClose={onClose} title={`${test.code} · ${test.name}`} size="lg">
      <form onSubmit={form.onSubmit((v) => void save.submit(v))} data-testid="lab-test-form">
        <Stack gap="xs">
          <TextInput label={t('lab.nameEn')} maxLength={L.name_en.maxLength} {...form.getInputProps('name_en')} />
          <TextInput label={t('lab.nameFr')} maxLength={L.name_fr.maxLength} {...form.getInputProps('name_fr')} />
          <TextInput label={t('lab.nameSw')} maxLength={L.name_sw.maxLength} {...form.getInputProps('name_sw')} />
          <Group grow>
            <TextInput label={t('lab.unit')} maxLength={L.unit.maxLength} {...form.getInputProps('unit')} />
            <NumberInput label={t('lab.turnaround')} min={L.turnaround_minutes.minimum} max={L.turnaround_minutes.maximum} {...form.getInputProps('turnaround_minutes')} />
          </Group>
          <Group grow>
            <NumberInput label={t('lab.criticalLow')} decimalScale={3} {...form.getInputProps('critical_low')} />
            <NumberInput label={t('lab.criticalHigh')} decimalScale={3} {...form.getInputProps('critical_high')} />
          </Group>
          <Text fw={500} size="sm">
            {t('lab.ranges')}
          </Text>
          {form.values.ranges.map((_, i) => (
            <Group key={i} gap="xs" wrap="nowrap">
              <Select w={110} data={(['any', 'male', 'female'] as const).map((s) => ({ value: s, label: t(`lab.rangeSex.${s}`) }))} {...form.getInputProps(`ranges.${i}.sex`)} />
              <Select w={150} data={BANDS.map((b) => ({ value: b, label: t(`lab.band.${b}`) }))} {...form.getInputProps(`ranges.${i}.band`)} />
              <NumberInput w={90} decimalScale={3} aria-label={t('lab.low')} {...form.getInputProps(`ranges.${i}.lo`)} />
              <NumberInput w={90} decimalScale={3} aria-label={t('lab.high')} {...form.getInputProps(`ranges.${i}.hi`)} />
              <ActionIcon variant="subtle" color="red" aria-label={t('lab.removeRange')} onClick={() => form.removeListItem('ranges', i)}>
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button size="compact-sm" variant="light" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('ranges', { sex: 'any', band: 'adult', lo: 0, hi: 0 })}>
              {t('lab.addRange')}
            </Button>
          </Group>
          <Checkbox label={t('lab.offered')} {...form.getInputProps('is_active', { type: 'checkbox' })} />
          <FormError message={save.message} />
          <FormButtons busy={save.busy} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

export function CatalogCard() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const tests = useLabTests();
  const [editing, setEditing] = useState<LabTest | null>(null);
  return (
    <Card withBorder data-testid="lab-catalog">
      <Title order={4}>{t('lab.catalog')}</Title>
      <Table verticalSpacing={4}>
        <Table.Tbody>
          {(tests.data ?? []).map((x) => (
            <Table.Tr key={x.id}>
              <Table.Td>{x.code}</Table.Td>
              <Table.Td>{x.name}</Table.Td>
              <Table.Td>{x.unit}</Table.Td>
              <Table.Td>{x.price != null ? formatMoney(x.price, i18n.language) : '—'}</Table.Td>
              <Table.Td>
                <Badge variant="light">{t('lab.minutes', { n: x.turnaround_minutes })}</Badge>
              </Table.Td>
              <ButtonCell show={can('services.write')} size="compact-xs" onClick={() => setEditing(x)}>
                {t('common.edit')}
              </ButtonCell>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {editing && <EditTest test={editing} onClose={() => setEditing(null)} />}
    </Card>
  );
}
