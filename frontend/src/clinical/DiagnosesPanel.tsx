// DiagnosesPanel: the consultation's coded diagnoses. The picker (CodePicker: a favourite in two
// keystrokes, or a search) adds a code, with the note typed beside it and the certainty chosen;
// the first is primary, the next ones secondary. Each diagnosis's rank, certainty and episode
// (new case or follow-up, set by the server) can be changed; it is removed while the encounter
// is open. The encounter's own free-text diagnosis, when there is one, is shown as uncoded.
import { ActionIcon, Alert, Badge, Button, Group, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconStar, IconTrash } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { limits } from '../api/limits';
import { useSession } from '../auth/session';
import { FormError } from '../forms/FormFooter';
import { CodePicker } from './CodePicker';
import { diagnosisProblem, useAddDiagnosis, useDeleteDiagnosis, useEditDiagnosis, useEncounterDiagnoses, type Diagnosis, type EditDiagnosis, type IcdCode } from './diagnoses';
import { FavouritesModal } from './FavouritesModal';
import type { Encounter } from './queries';

export function DiagnosesPanel({ encounter: e }: { encounter: Encounter }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const writes = can('encounters.write');
  const list = useEncounterDiagnoses(e.id);
  const items = list.data ?? [];
  const [note, setNote] = useState('');
  const [certainty, setCertainty] = useState<Certainty>('provisional');
  const [editingFavs, setEditingFavs] = useState(false);
  const add = useAddDiagnosis(e.id, { onSuccess: () => setNote(''), success: (d) => t('dx.added', { code: d.code ?? '' }) });
  const addText = useAddDiagnosis(e.id, { onSuccess: () => setNote('') });
  const hasPrimary = items.some((d) => d.rank === 'primary');
  const rank = hasPrimary ? 'secondary' : 'primary';
  const pick = (c: IcdCode) => void add.submit({ code: c.code, text: note.trim() || undefined, rank, certainty });

  return (
    <Stack data-testid="diagnoses-panel" gap="sm">
      <Group justify="space-between">
        <Title order={4}>{t('dx.title')}</Title>
        {writes && (
          <Button variant="subtle" size="compact-sm" leftSection={<IconStar size={14} />} onClick={() => setEditingFavs(true)} data-testid="edit-favourites">
            {t('dx.editFavourites')}
          </Button>
        )}
      </Group>
      {e.diagnosis && (
        <Group gap="xs" data-testid="uncoded-text">
          <UncodedText text={e.diagnosis} />
        </Group>
      )}
      {list.isError && <Alert color="red">{diagnosisProblem(list.error, t, i18n.language)}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('dx.none')}</Text>}
      {items.map((d) => (
        <DiagnosisRow key={d.id} diagnosis={d} writes={writes} removable={writes && e.status === 'open'} />
      ))}
      {writes && (
        <Stack gap="xs" data-testid="dx-add">
          <Group align="flex-end" grow>
            <TextInput
              label={t('dx.note')}
              value={note}
              onChange={(ev) => setNote(ev.currentTarget.value)}
              maxLength={limits.AddDiagnosis.text.maxLength}
              data-testid="dx-text"
            />
            <CertaintyControl value={certainty} onChange={setCertainty} testId="dx-certainty" />
          </Group>
          <CodePicker onPick={pick} busy={add.busy} shortcut taken={items.flatMap((d) => (d.code ? [d.code] : []))} />
          <Group justify="flex-end">
            <Button
              variant="default"
              size="compact-sm"
              disabled={!note.trim()}
              loading={addText.busy}
              onClick={() => void addText.submit({ text: note.trim(), rank, certainty })}
              data-testid="dx-add-text"
            >
              {t('dx.addTextOnly')}
            </Button>
          </Group>
          <FormError message={add.message ?? addText.message} />
        </Stack>
      )}
      {editingFavs && <FavouritesModal onClose={() => setEditingFavs(false)} />}
    </Stack>
  );
}

/** Certainty: how sure the doctor is of a diagnosis. */
export type Certainty = 'provisional' | 'confirmed';

/** CertaintyControl: the choice of a new diagnosis's certainty. */
export function CertaintyControl({ value, onChange, testId }: { value: Certainty; onChange: (c: Certainty) => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <SegmentedControl
      value={value}
      onChange={(v) => onChange(v as Certainty)}
      data={[
        { value: 'provisional', label: t('dx.certainty.provisional') },
        { value: 'confirmed', label: t('dx.certainty.confirmed') },
      ]}
      data-testid={testId}
    />
  );
}

/** UncodedBadge: the mark of a diagnosis that has no code yet. */
export function UncodedBadge() {
  const { t } = useTranslation();
  return (
    <Badge color="orange" variant="light">
      {t('dx.uncoded')}
    </Badge>
  );
}

/** UncodedText: a consultation's free-text diagnosis, marked uncoded. */
export function UncodedText({ text }: { text: string }) {
  return (
    <>
      <UncodedBadge />
      <Text size="sm" className="notes-text">
        {text}
      </Text>
    </>
  );
}

/** optionLabel: a rank's, certainty's or episode's name (their values are distinct). */
function optionLabel(t: TFunction, v: string): string {
  switch (v) {
    case 'primary':
      return t('dx.rank.primary');
    case 'secondary':
      return t('dx.rank.secondary');
    case 'provisional':
      return t('dx.certainty.provisional');
    case 'confirmed':
      return t('dx.certainty.confirmed');
    case 'new':
      return t('dx.episode.new');
    case 'follow_up':
      return t('dx.episode.follow_up');
  }
  return v;
}

/** DiagnosisRow: one diagnosis with its code, title and note; its controls for who may change it. */
export function DiagnosisRow({ diagnosis: d, writes, removable }: { diagnosis: Diagnosis; writes: boolean; removable: boolean }) {
  const { t } = useTranslation();
  const edit = useEditDiagnosis({ failure: 'toast' });
  const remove = useDeleteDiagnosis({ failure: 'toast' });
  const change = (field: 'rank' | 'certainty' | 'episode', value: string) =>
    void edit.submit({ id: d.id, body: { version: d.version, [field]: value } as EditDiagnosis });
  const label = (v: string) => optionLabel(t, v);
  const control = (field: 'rank' | 'certainty' | 'episode', values: string[]) =>
    writes ? (
      <SegmentedControl
        size="xs"
        value={d[field]}
        onChange={(v) => change(field, v)}
        disabled={edit.busy}
        data={values.map((v) => ({ value: v, label: label(v) }))}
        data-testid={`dx-${field}`}
      />
    ) : (
      <Badge variant="light" color="gray">
        {label(d[field])}
      </Badge>
    );
  return (
    <Group justify="space-between" wrap="wrap" gap="xs" data-testid="diagnosis" data-code={d.code ?? ''} data-rank={d.rank} data-episode={d.episode}>
      <Group gap="xs" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
        {d.code ? (
          <Badge ff="monospace" radius="sm" color={d.rank === 'primary' ? 'blue' : 'gray'}>
            {d.code}
          </Badge>
        ) : (
          <UncodedBadge />
        )}
        <div style={{ minWidth: 0 }}>
          {d.title && <Text size="sm">{d.title}</Text>}
          {d.text && (
            <Text size="sm" c="dimmed" className="notes-text">
              {d.text}
            </Text>
          )}
        </div>
      </Group>
      <Group gap="xs">
        {control('rank', ['primary', 'secondary'])}
        {control('certainty', ['provisional', 'confirmed'])}
        {control('episode', ['new', 'follow_up'])}
        {removable && (
          <ActionIcon variant="subtle" color="red" onClick={() => void remove.submit(d)} loading={remove.busy} aria-label={t('dx.remove')} data-testid="dx-remove">
            <IconTrash size={16} />
          </ActionIcon>
        )}
      </Group>
    </Group>
  );
}
