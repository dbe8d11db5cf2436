// SettingsPage (/settings, administrators): the clinic's settings in sections: the clinic, the
// appointments, the vital signs' units, the pharmacy, billing. Saving sends only what changed,
// with the version the form was read at. Refused fields are said beside them; when someone
// else changed the settings meanwhile (409), the values in effect are loaded with what was
// typed kept on top, and the administrator saves again. What is typed is kept as a draft (only
// the changed fields) until it is saved.
import {
  Alert,
  Button,
  Center,
  Fieldset,
  Group,
  Input,
  Loader,
  NativeSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDocumentTitle } from '@mantine/hooks';
import { IconDeviceFloppy } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { DATE_FORMATS, formatDateInput } from '../forms/dates';
import { useTranslation } from 'react-i18next';
import { limits } from '../api/limits';
import type { ClinicSettings } from '../api/types';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { clearDraft, draftKey, loadDraft, saveDraft } from '../forms/drafts';
import { problemMessage } from '../forms/errors';
import { FormError } from '../forms/FormFooter';
import {
  MAX_EXPIRY_DAYS,
  MIN_EXPIRY_DAYS,
  SERVER_ZONE,
  changedFields,
  draftOf,
  expiryDaysProblem,
  rebase,
  settingsPatch,
  slotOptions,
  timeZoneOptions,
  valuesOf,
  withDraft,
  type SettingsField,
  type SettingsValues,
} from './form';
import { fetchSettings, SETTINGS_KEY, useClinicSettings, useSaveSettings } from './queries';
import { DisplaysCard } from '../display/DisplaysCard';
import { QueryError } from '../shell/PageState';

export function SettingsPage() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('areas.settings')} · Chelal`);
  const settings = useClinicSettings();
  return (
    <Stack maw={860}>
      <Title order={2}>{t('areas.settings')}</Title>
      <Text c="dimmed">{t('settings.intro')}</Text>
      {settings.isPending && (
        <Center p="xl">
          <Loader aria-label={t('common.loading')} />
        </Center>
      )}
      <QueryError query={settings} />
      {/* mounted once: later changes come in through saving (or a stale refusal), not by remounting */}
      {settings.data && <SettingsForm initial={settings.data} />}
      <DisplaysCard />
    </Stack>
  );
}

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

interface Base {
  values: SettingsValues;
  version: number;
}

interface Stale {
  theirs: SettingsField[];
  conflicts: SettingsField[];
}

function SettingsForm({ initial }: { initial: ClinicSettings }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const qc = useQueryClient();
  const key = draftKey(user.id, 'settings');
  // what the form was read from: the patch is what differs from it
  const [base, setBase] = useState<Base>(() => ({ values: valuesOf(initial), version: initial.version }));
  const baseRef = useRef(base); // for the draft, kept as the values change
  baseRef.current = base;
  const [start] = useState(() => {
    const storage = session();
    const draft = storage ? loadDraft(storage, key) : null;
    const values = withDraft(valuesOf(initial), draft);
    return { values, restored: changedFields(valuesOf(initial), values).length > 0 };
  });
  const [stale, setStale] = useState<Stale | null>(null);
  const [mrnPrefix, setMrnPrefix] = useState(initial.mrn_prefix);

  const form = useForm<SettingsValues>({
    mode: 'controlled',
    initialValues: start.values,
    validate: {
      clinic_name: (v) => (v.trim() ? null : t('validation.required')),
      pharmacy_expiry_warning_days: (v) => {
        const p = expiryDaysProblem(v);
        return p === 'required' ? t('validation.required') : p === 'range' ? t('settings.expiryRange', { min: MIN_EXPIRY_DAYS, max: MAX_EXPIRY_DAYS }) : null;
      },
    },
    onValuesChange: (values) => keepDraft(values, baseRef.current.values),
  });

  function keepDraft(values: SettingsValues, against: SettingsValues) {
    const storage = session();
    if (storage) saveDraft(storage, key, draftOf(against, values), [], {});
  }
  function dropDraft() {
    const storage = session();
    if (storage) clearDraft(storage, key);
  }

  const changed = changedFields(base.values, form.values);
  const zones = useMemo(() => timeZoneOptions(form.values.timezone), [form.values.timezone]);
  const zoneData = useMemo(() => [{ value: SERVER_ZONE, label: t('settings.serverZone') }, ...zones.map((z) => ({ value: z, label: z.replaceAll('_', ' ') }))], [zones, t]);
  const slots = slotOptions(form.values.slot_minutes).map((n) => ({ value: String(n), label: t('settings.minutes', { n }) }));

  function accept(saved: ClinicSettings) {
    qc.setQueryData(SETTINGS_KEY, saved);
    const values = valuesOf(saved);
    baseRef.current = { values, version: saved.version };
    setBase(baseRef.current);
    setMrnPrefix(saved.mrn_prefix);
    return values;
  }

  const save = useSaveSettings({
    form,
    onSuccess: (saved) => {
      const now = accept(saved);
      form.setValues(now);
      form.resetDirty(now);
      dropDraft();
      setStale(null);
    },
    success: t('settings.saved'),
    onStale: (err) => reloadAfterStale(form.getValues(), err),
  });

  function submit(values: SettingsValues) {
    const body = settingsPatch(base.values, values, base.version);
    if (body) void save.submit(body);
  }

  // Someone else saved meanwhile: load what is in effect, keep what was typed on top.
  async function reloadAfterStale(typed: SettingsValues, err: unknown) {
    let current: ClinicSettings;
    try {
      current = await fetchSettings(qc);
    } catch {
      save.setMessage(problemMessage(err, t, i18n.language));
      return;
    }
    const r = rebase(base.values, typed, valuesOf(current));
    accept(current);
    form.setValues(r.values);
    keepDraft(r.values, valuesOf(current));
    setStale({ theirs: r.theirs, conflicts: r.conflicts });
  }

  function undo() {
    form.setValues(base.values);
    form.clearErrors();
    save.setMessage(null);
    dropDraft();
  }

  const zoneInput = form.getInputProps('timezone');
  const label = (f: SettingsField) => t(`settings.fields.${f}`);
  const fieldList = (fs: SettingsField[]) => fs.map(label).join(', ');
  // a vital sign's unit: its choices side by side
  const unitChoice = (f: 'temperature_unit' | 'weight_unit', testId: string, data: { value: string; label: string }[]) => (
    <Input.Wrapper label={label(f)} error={form.errors[f]}>
      <div>
        <SegmentedControl
          fullWidth
          name={f}
          aria-label={label(f)}
          data={data}
          data-testid={testId}
          value={form.values[f]}
          onChange={(v) => form.setFieldValue(f, v)}
        />
      </div>
    </Input.Wrapper>
  );

  return (
    <form onSubmit={form.onSubmit(submit)} noValidate data-testid="settings-form" data-version={base.version}>
      <Stack>
        <DraftNotice restored={start.restored} onDiscard={undo} />
        {stale && (
          <Alert color="orange" title={t('settings.staleTitle')} role="alert" data-testid="settings-stale" withCloseButton onClose={() => setStale(null)}>
            <Text size="sm">{t('settings.staleText')}</Text>
            {stale.theirs.length > 0 && (
              <Text size="sm" mt="xs" data-testid="settings-stale-theirs">
                {t('settings.staleTheirs', { fields: fieldList(stale.theirs) })}
              </Text>
            )}
            {stale.conflicts.length > 0 && (
              <Text size="sm" mt="xs" fw={500} data-testid="settings-stale-conflicts">
                {t('settings.staleConflicts', { fields: fieldList(stale.conflicts) })}
              </Text>
            )}
          </Alert>
        )}

        <Fieldset legend={t('settings.sections.clinic')} data-testid="settings-clinic">
          <Stack>
            <TextInput label={label('clinic_name')} description={t('settings.clinicNameHint')} required name="clinic_name" maxLength={limits.Change.clinic_name.maxLength} {...form.getInputProps('clinic_name')} />
            <TextInput
              label={t('settings.mrnPrefix')}
              description={t('settings.mrnPrefixHint')}
              value={mrnPrefix}
              readOnly
              variant="filled"
              name="mrn_prefix"
              styles={{ input: { fontFamily: 'monospace' } }}
              data-testid="settings-mrn-prefix"
            />
            <Select
              label={label('timezone')}
              description={t('settings.timezoneHint')}
              name="timezone"
              searchable
              allowDeselect={false}
              data={zoneData}
              limit={60}
              nothingFoundMessage={t('settings.noZone')}
              data-testid="settings-timezone"
              {...zoneInput}
              // the whole name is selected on focus, so typing searches afresh
              onFocus={(e) => {
                zoneInput.onFocus?.(e);
                e.currentTarget.select();
              }}
            />
            <TextInput
              label={label('currency')}
              description={t('settings.currencyHint')}
              name="currency"
              maxLength={3}
              styles={{ input: { textTransform: 'uppercase' } }}
              data-testid="settings-currency"
              {...form.getInputProps('currency')}
            />
            <NativeSelect
              label={label('date_format')}
              description={t('settings.dateFormatHint')}
              name="date_format"
              data={DATE_FORMATS.map((f) => ({ value: f, label: `${f} (${formatDateInput('2026-12-02', f)})` }))}
              data-testid="settings-date-format"
              {...form.getInputProps('date_format')}
            />
          </Stack>
        </Fieldset>

        <Fieldset legend={t('settings.sections.appointments')} data-testid="settings-appointments">
          <Select
            label={label('slot_minutes')}
            description={t('settings.slotHint')}
            name="slot_minutes"
            allowDeselect={false}
            data={slots}
            data-testid="settings-slot"
            {...form.getInputProps('slot_minutes')}
          />
        </Fieldset>

        <Fieldset legend={t('settings.sections.vitals')} data-testid="settings-vitals">
          <Stack>
            <Text size="sm" c="dimmed">
              {t('settings.unitsHint')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {unitChoice('temperature_unit', 'settings-temperature', [
                { value: 'C', label: t('settings.celsius') },
                { value: 'F', label: t('settings.fahrenheit') },
              ])}
              {unitChoice('weight_unit', 'settings-weight', [
                { value: 'kg', label: t('settings.kilograms') },
                { value: 'lb', label: t('settings.pounds') },
              ])}
            </SimpleGrid>
          </Stack>
        </Fieldset>

        <Fieldset legend={t('settings.sections.pharmacy')} data-testid="settings-pharmacy">
          <NumberInput
            label={label('pharmacy_expiry_warning_days')}
            description={t('settings.expiryHint')}
            name="pharmacy_expiry_warning_days"
            min={MIN_EXPIRY_DAYS}
            max={MAX_EXPIRY_DAYS}
            clampBehavior="none"
            allowDecimal={false}
            allowNegative={false}
            styles={{ wrapper: { maxWidth: 200 } }}
            {...form.getInputProps('pharmacy_expiry_warning_days')}
          />
        </Fieldset>

        <Fieldset legend={t('settings.sections.billing')} data-testid="settings-billing">
          <Stack>
            <Switch
              label={label('billing_auto_consultation')}
              description={t('settings.autoConsultationHint')}
              name="billing_auto_consultation"
              {...form.getInputProps('billing_auto_consultation', { type: 'checkbox' })}
            />
            <TextInput
              label={label('billing_consultation_code')}
              description={t('settings.consultationCodeHint')}
              name="billing_consultation_code"
              styles={{ wrapper: { maxWidth: 360 }, input: { fontFamily: 'monospace' } }}
              {...form.getInputProps('billing_consultation_code')}
            />
            <Switch
              label={label('billing_auto_dispense')}
              description={t('settings.autoDispenseHint')}
              name="billing_auto_dispense"
              {...form.getInputProps('billing_auto_dispense', { type: 'checkbox' })}
            />
            <Switch
              label={label('billing_auto_lab')}
              description={t('settings.autoLabHint')}
              name="billing_auto_lab"
              {...form.getInputProps('billing_auto_lab', { type: 'checkbox' })}
            />
            <Switch
              label={label('lab_verification')}
              description={t('settings.labVerificationHint')}
              name="lab_verification"
              {...form.getInputProps('lab_verification', { type: 'checkbox' })}
            />
          </Stack>
        </Fieldset>

        <Fieldset legend={t('settings.sections.reports')} data-testid="settings-reports">
          <TextInput
            label={label('report_age_bands')}
            description={t('settings.ageBandsHint')}
            name="report_age_bands"
            styles={{ wrapper: { maxWidth: 360 } }}
            {...form.getInputProps('report_age_bands')}
          />
        </Fieldset>

        <FormError message={save.message} testId="settings-error" />
        <Group justify="flex-end" className="no-print">
          {changed.length > 0 && (
            <Text size="sm" c="dimmed" mr="auto" data-testid="settings-changed" data-count={changed.length}>
              {t('settings.changed', { fields: fieldList(changed) })}
            </Text>
          )}
          <Button variant="default" onClick={undo} disabled={changed.length === 0} data-testid="settings-undo">
            {t('settings.undo')}
          </Button>
          <Button type="submit" loading={save.busy} disabled={changed.length === 0} leftSection={<IconDeviceFloppy size={18} />} data-testid="settings-save">
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
