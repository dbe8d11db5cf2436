// PatientDiagnoses: the chart's diagnoses. The coded ones, newest first, and the consultations
// whose diagnosis is free text only (from before coding, or typed in the notes' diagnosis
// field), marked uncoded with a "code it" action: the doctor picks the code and the free text
// goes beside it, on that consultation (closed ones too).
import { Button, Card, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { IconTag } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { FormError } from '../forms/FormFooter';
import { formatDate } from '../i18n/format';
import { CodePicker } from './CodePicker';
import { CertaintyControl, DiagnosisRow, UncodedText, type Certainty } from './DiagnosesPanel';
import { useAddDiagnosis, usePatientDiagnoses, usePatientEncounters } from './diagnoses';
import type { Encounter } from './queries';

export function PatientDiagnoses({ patientId }: { patientId: number }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const writes = can('encounters.write');
  const coded = usePatientDiagnoses(patientId);
  const encounters = usePatientEncounters(patientId);
  const [coding, setCoding] = useState<Encounter | null>(null);
  const items = coded.data ?? [];
  const codedEncounters = new Set(items.filter((d) => d.code).map((d) => d.encounter_id));
  const uncoded = (encounters.data ?? []).filter((e) => e.diagnosis.trim() !== '' && !codedEncounters.has(e.id));
  return (
    <Card withBorder data-testid="patient-diagnoses">
      <Title order={4} mb="xs">
        {t('dx.title')}
      </Title>
      <Stack gap="xs">
        {coded.isSuccess && encounters.isSuccess && items.length === 0 && uncoded.length === 0 && <Text c="dimmed">{t('dx.none')}</Text>}
        {uncoded.map((e) => (
          <Group key={`u${e.id}`} justify="space-between" data-testid="uncoded-diagnosis" data-encounter={e.id}>
            <Group gap="xs">
              <Text size="sm" c="dimmed">
                {formatDate(e.created_at, i18n.language)}
              </Text>
              <UncodedText text={e.diagnosis} />
            </Group>
            {writes && (
              <Button size="compact-sm" variant="light" leftSection={<IconTag size={14} />} onClick={() => setCoding(e)} data-testid="code-it">
                {t('dx.codeIt')}
              </Button>
            )}
          </Group>
        ))}
        {items.map((d) => (
          <Group key={d.id} gap="xs" wrap="nowrap" align="flex-start">
            <Text size="sm" c="dimmed" style={{ flexShrink: 0 }}>
              {formatDate(d.created_at, i18n.language)}
            </Text>
            <div style={{ flex: 1 }}>
              <DiagnosisRow diagnosis={d} writes={false} removable={false} />
            </div>
          </Group>
        ))}
      </Stack>
      {coding && <CodeItModal encounter={coding} hasPrimary={items.some((d) => d.encounter_id === coding.id && d.rank === 'primary')} onClose={() => setCoding(null)} />}
    </Card>
  );
}

function CodeItModal({ encounter: e, hasPrimary, onClose }: { encounter: Encounter; hasPrimary: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const [certainty, setCertainty] = useState<Certainty>('confirmed');
  const add = useAddDiagnosis(e.id, { success: (d) => t('dx.added', { code: d.code ?? '' }), close: onClose });
  return (
    <Modal opened onClose={onClose} title={t('dx.codeItTitle', { date: formatDate(e.created_at, i18n.language) })} size="lg">
      <Stack data-testid="code-it-modal">
        <Text className="notes-text" fs="italic">
          {e.diagnosis}
        </Text>
        <CertaintyControl value={certainty} onChange={setCertainty} />
        <CodePicker
          autoFocus
          busy={add.busy}
          onPick={(c) => void add.submit({ code: c.code, text: e.diagnosis.trim().slice(0, 500), rank: hasPrimary ? 'secondary' : 'primary', certainty })}
        />
        <FormError message={add.message} />
      </Stack>
    </Modal>
  );
}
