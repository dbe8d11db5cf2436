// VitalsTable: readings, one row each, in the clinic's units; a value outside the normal range
// for the patient's age is highlighted (red when high, orange when low) with the server's reason.
import { Badge, Group, Table, Text, Tooltip } from '@mantine/core';
import { IconArrowDown, IconArrowUp } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { clinicToday, formatDateTime, formatTime } from '../i18n/format';
import './clinical.css';
import { displayVitals, flagLevel, flagOf, TEMPERATURE_SYMBOL, type ClinicUnits, type VitalsFlag, type VitalsRecord } from './vitals';

/** The columns: a field of the reading (or two, the pressure) with its unit. */
type Column = { key: string; fields: string[]; unit: (u: ClinicUnits) => string };
const COLUMNS: Column[] = [
  { key: 'bp', fields: ['systolic_bp', 'diastolic_bp'], unit: () => 'mmHg' },
  { key: 'heart_rate', fields: ['heart_rate'], unit: () => '/min' },
  { key: 'respiratory_rate', fields: ['respiratory_rate'], unit: () => '/min' },
  { key: 'temperature', fields: ['temperature'], unit: (u) => TEMPERATURE_SYMBOL[u.temperature] },
  { key: 'oxygen_saturation', fields: ['oxygen_saturation'], unit: () => '%' },
  { key: 'height', fields: ['height'], unit: () => 'cm' },
  { key: 'weight', fields: ['weight'], unit: (u) => u.weight },
  { key: 'bmi', fields: ['bmi'], unit: () => 'kg/m²' },
];

/** sameDay: whether an instant falls on the clinic's calendar day of `day` (today's readings show their time only). */
function sameDay(iso: string, day: Date): boolean {
  return clinicToday(new Date(iso)) === clinicToday(day);
}

/** flagText is a flag in words: the server's reason in English, the level otherwise. */
export function flagText(flag: VitalsFlag, t: TFunction, lang: string): string {
  const label = t(`vitals.fields.${flag.field as 'bmi'}`, { defaultValue: flag.field });
  const level = flagLevel(flag);
  if (lang === 'en' && flag.message) return `${label}: ${flag.message}`;
  return `${label}: ${level ? t(`vitals.level.${level}`) : flag.message}`;
}

export function FlagMark({ flag, children }: { flag: VitalsFlag | undefined; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const level = flagLevel(flag);
  if (!flag || !level) return <>{children}</>;
  const Icon = level === 'high' ? IconArrowUp : IconArrowDown;
  return (
    <Tooltip label={flagText(flag, t, i18n.language)} withinPortal>
      <span className="vital-flag" data-flag={level} aria-label={flagText(flag, t, i18n.language)}>
        {children}
        <Icon size={14} aria-hidden style={{ verticalAlign: 'middle' }} />
      </span>
    </Tooltip>
  );
}

export function VitalsTable({ items, units, newestFirst = false, testId = 'vitals-table' }: { items: readonly VitalsRecord[]; units: ClinicUnits; newestFirst?: boolean; testId?: string }) {
  const { t, i18n } = useTranslation();
  const rows = newestFirst ? [...items].reverse() : items;
  const today = new Date();
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table striped className="vitals-table" data-testid={testId} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('vitals.recordedAt')}</Table.Th>
            {COLUMNS.map((c) => (
              <Table.Th key={c.key}>
                {t(`vitals.columns.${c.key as 'bp'}`)}
                <Text size="xs" c="dimmed" fw={400}>
                  {c.unit(units)}
                </Text>
              </Table.Th>
            ))}
            <Table.Th>{t('vitals.recordedBy')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => {
            const d = displayVitals(r, units);
            const cell = (field: keyof typeof d) => {
              const v = d[field];
              return (
                <FlagMark flag={flagOf(r.flags, field)} key={field}>
                  {v == null ? '—' : v.toLocaleString(i18n.language)}
                </FlagMark>
              );
            };
            return (
              <Table.Tr key={r.id} data-vitals={r.id} data-flags={r.flags.map((f) => f.field).join(' ') || undefined}>
                <Table.Td>{sameDay(r.recorded_at, today) ? formatTime(r.recorded_at, i18n.language) : formatDateTime(r.recorded_at, i18n.language)}</Table.Td>
                {COLUMNS.map((c) => (
                  <Table.Td key={c.key} data-field={c.key}>
                    {c.key === 'bp' ? (
                      <>
                        {cell('systolic_bp')}/{cell('diastolic_bp')}
                      </>
                    ) : (
                      cell(c.fields[0] as keyof typeof d)
                    )}
                  </Table.Td>
                ))}
                <Table.Td>{r.recorded_by_name || '—'}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** FlagList: a saved reading's flags, one badge each, or a word that all is in range. */
export function FlagList({ flags }: { flags: readonly VitalsFlag[] }) {
  const { t, i18n } = useTranslation();
  if (flags.length === 0) {
    return (
      <Text c="teal.8" data-testid="vitals-flags" data-count={0}>
        {t('vitals.allNormal')}
      </Text>
    );
  }
  return (
    <Group gap="xs" data-testid="vitals-flags" data-count={flags.length}>
      {flags.map((f) => (
        <Badge key={f.field} color={flagLevel(f) === 'low' ? 'orange' : 'red'} size="lg" variant="light" data-flag-field={f.field} style={{ textTransform: 'none' }}>
          {flagText(f, t, i18n.language)}
        </Badge>
      ))}
    </Group>
  );
}
