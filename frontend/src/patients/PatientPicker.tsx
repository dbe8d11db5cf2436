// PatientPicker: the one search box for patients (names in either order, record number,
// phone), with the results while typing. Arrow keys move through the results, Enter picks the
// highlighted one (the first by default); a record number with a wrong check digit is said.
// The patients page opens the chart with it; booking and walk-ins pick the patient with it.
import { Alert, Badge, Button, Group, Loader, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconSearch } from '@tabler/icons-react';
import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PatientMatch } from '../api/types';
import { problemMessage } from '../forms/errors';
import { formatDate } from '../i18n/format';
import { usePatientSearch, usePatientSearchPages } from './queries';

export interface PatientPickerProps {
  value: string;
  onChange: (value: string) => void;
  onPick: (patient: PatientMatch) => void;
  autoFocus?: boolean;
  label?: string;
  /** Shown under the results when nothing matches (e.g. a "Register patient" button). */
  noneAction?: ReactNode;
  testId?: string;
  /** Every match, a page at a time, with their count (the patients page); else the first page. */
  paged?: boolean;
}

export function PatientPicker({ value, onChange, onPick, autoFocus, label, noneAction, testId = 'patient-picker', paged = false }: PatientPickerProps) {
  const { t, i18n } = useTranslation();
  const one = usePatientSearch(paged ? '' : value);
  const pages = usePatientSearchPages(value, 20, paged);
  const first = paged ? pages.data?.pages[0] : one.data;
  const search = paged ? pages : one;
  const items = value.trim() ? ((paged ? pages.data?.pages.flatMap((p) => p.items) : one.data?.items) ?? []) : [];
  const total = first?.total ?? 0;
  // Past the server's count cap the total is a floor: "more than 500".
  const capped = first?.total_capped ?? false;
  const [active, setActive] = useState(0);
  const listId = useId();

  useEffect(() => setActive(0), [first]);

  return (
    <Stack gap="xs" data-testid={testId}>
      <TextInput
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, items.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            const p = items[active];
            if (p && search.settled) onPick(p);
          }
        }}
        label={label}
        aria-label={label ? undefined : t('search.label')}
        placeholder={t('patients.searchPlaceholder')}
        leftSection={<IconSearch size={16} aria-hidden />}
        rightSection={search.isFetching ? <Loader size="xs" aria-label={t('common.loading')} /> : null}
        autoFocus={autoFocus}
        data-autofocus={autoFocus || undefined}
        role="combobox"
        aria-expanded={items.length > 0}
        aria-controls={listId}
        aria-activedescendant={items[active] ? `${listId}-${items[active].id}` : undefined}
        autoComplete="off"
        data-testid={`${testId}-input`}
      />
      {first?.warning && value.trim() && (
        <Alert color="yellow" icon={<IconAlertTriangle size={18} />} data-testid="check-digit-warning">
          {i18n.language === 'en' ? first.warning : t('patients.checkDigitWarning')}
        </Alert>
      )}
      {search.isError && <Alert color="red">{problemMessage(search.error, t, i18n.language)}</Alert>}
      <div role="listbox" id={listId} aria-label={t('patients.results')}>
        {items.map((p, i) => (
          <PatientOption key={p.id} id={`${listId}-${p.id}`} patient={p} active={i === active} onHover={() => setActive(i)} onPick={() => onPick(p)} />
        ))}
      </div>
      {paged && value.trim() && items.length > 0 && (
        <Group justify="space-between" data-testid="match-count" data-total={total} data-capped={capped || undefined}>
          <Text c="dimmed" size="sm">
            {t(capped ? 'patients.matchCountMore' : 'patients.matchCount', { shown: items.length, total })}
          </Text>
          {pages.hasNextPage && (
            <Button variant="light" size="compact-sm" loading={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()} data-testid="more-patients">
              {t('common.loadMore')}
            </Button>
          )}
        </Group>
      )}
      {value.trim() && search.isSuccess && search.settled && items.length === 0 && (
        <Group justify="space-between" data-testid="no-patients">
          <Text c="dimmed">{t('patients.noMatch')}</Text>
          {noneAction}
        </Group>
      )}
    </Stack>
  );
}

/** PatientOption: one patient of a list of matches (an option of its listbox), the active one
 * marked; keepFocus leaves the focus in the search box when it is clicked. */
export function PatientOption({ patient, active, id, keepFocus, onHover, onPick }: {
  patient: Omit<PatientMatch, 'score'>;
  active: boolean;
  id?: string;
  keepFocus?: boolean;
  onHover: () => void;
  onPick: () => void;
}) {
  return (
    <UnstyledButton
      id={id}
      role="option"
      aria-selected={active}
      tabIndex={-1}
      className="patient-option"
      data-active={active || undefined}
      data-unique-id={patient.unique_id}
      onMouseDown={keepFocus ? (e) => e.preventDefault() : undefined}
      onMouseEnter={onHover}
      onClick={onPick}
    >
      <PatientLine patient={patient} />
    </UnstyledButton>
  );
}

/** PatientLine: a patient in one line: name, record number, birth date, phone, allergies. */
export function PatientLine({ patient: p }: { patient: Omit<PatientMatch, 'score'> }) {
  const { t, i18n } = useTranslation();
  return (
    <Group justify="space-between" wrap="nowrap" gap="sm">
      <div>
        <Text fw={600}>
          {p.first_name} {p.last_name}
        </Text>
        <Text size="sm" c="dimmed">
          {t('patients.born', { date: formatDate(p.date_of_birth, i18n.language) })} · {t(`gender.${genderKey(p.gender)}`)}
          {p.contact_info ? ` · ${p.contact_info}` : ''}
        </Text>
      </div>
      <Group gap="xs" wrap="nowrap">
        {p.known_allergies && (
          <Badge color="red" variant="light" leftSection={<IconAlertTriangle size={12} />}>
            {t('patients.allergies')}
          </Badge>
        )}
        <Text ff="monospace" size="sm">
          {p.unique_id}
        </Text>
      </Group>
    </Group>
  );
}

export const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export function genderKey(g: string): Gender {
  return (GENDERS as readonly string[]).includes(g) ? (g as Gender) : 'unknown';
}

/** ChosenPatient: the patient picked, with the way back to the search (none when the patient was given). */
export function ChosenPatient({ patient, onChange, testId }: { patient: Omit<PatientMatch, 'score'>; onChange?: () => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" wrap="nowrap" data-testid={testId}>
      <div style={{ flex: 1 }}>
        <PatientLine patient={patient} />
      </div>
      {onChange && (
        <Button variant="subtle" size="compact-sm" onClick={onChange}>
          {t('appointments.changePatient')}
        </Button>
      )}
    </Group>
  );
}
