// PatientBanner: who the consultation is for, kept in view while the page scrolls: name,
// record number, age and sex, the doctor, and the known allergies in red.
import { Alert, Anchor, Badge, Group, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ageText } from '../patients/fields';
import { genderKey } from '../patients/PatientPicker';
import { usePatient } from '../patients/queries';
import './clinical.css';
import type { Encounter } from './queries';
import { clinicToday } from '../i18n/format';

export function PatientBanner({ encounter: e, actions }: { encounter: Encounter; actions?: ReactNode }) {
  const { t } = useTranslation();
  const patient = usePatient(e.patient_id).data;
  return (
    <div className="patient-banner" data-testid="patient-banner">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
        <div>
          <Title order={2}>
            <Anchor component={Link} to={`/patients/${e.patient_id}`} inherit c="inherit">
              {e.patient_name}
            </Anchor>
          </Title>
          <Group gap="xs">
            <Badge size="lg" variant="outline" ff="monospace" data-testid="record-number">
              {e.patient_unique_id}
            </Badge>
            {patient && (
              <Text c="dimmed">
                <span data-testid="patient-age">{ageText(t, patient, clinicToday())}</span> · {t(`gender.${genderKey(patient.gender)}`)}
              </Text>
            )}
            <Text c="dimmed">· {t('consult.doctorIs', { name: e.doctor_name })}</Text>
            <Badge color={e.status === 'open' ? 'teal' : 'gray'} variant="light" data-testid="encounter-status" data-status={e.status}>
              {t(`consult.status.${e.status}`)}
            </Badge>
          </Group>
        </div>
        {actions && <Group className="no-print">{actions}</Group>}
      </Group>
      {e.known_allergies.trim() ? (
        <Alert color="red" variant="filled" mt="xs" py="xs" icon={<IconAlertTriangle size={22} />} title={t('patients.allergies')} data-testid="allergies">
          <Text fw={600} style={{ whiteSpace: 'pre-wrap' }}>
            {e.known_allergies}
          </Text>
        </Alert>
      ) : (
        <Text size="sm" c="dimmed" mt={4} data-testid="no-allergies">
          {t('patients.noAllergies')}
        </Text>
      )}
    </div>
  );
}
