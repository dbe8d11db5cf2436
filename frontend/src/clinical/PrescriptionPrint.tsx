// PrescriptionPrint (/consultations/12/prescription): the prescription on paper: the clinic
// (its name from the settings),
// the patient (name, record number, age and sex), the doctor, the date, the items, and a line
// to sign. Print CSS leaves only the sheet; the server's PDF is the other way to hand it over.
import { Alert, Anchor, Button, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconArrowLeft, IconFileTypePdf, IconPrinter } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { isoDate } from '../appointments/schedule';
import { formatDate, formatDateTime } from '../i18n/format';
import { ageText } from '../patients/fields';
import { genderKey } from '../patients/PatientPicker';
import { usePatient } from '../patients/queries';
import { useClinicSettings } from '../settings/queries';
import './clinical.css';
import { medicationLabel } from './PrescriptionsPanel';
import { clinicalProblem, useEncounter, usePrescriptions } from './queries';

export function PrescriptionPrint() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().encounterId);
  const enc = useEncounter(Number.isInteger(id) ? id : 0);
  const e = enc.data;
  const items = usePrescriptions(e?.id ?? 0, !!e);
  const patient = usePatient(e?.patient_id ?? 0).data;
  const settings = useClinicSettings();
  const clinic = settings.data?.clinic_name.trim() || 'Chelal';
  useDocumentTitle(`${t('rx.sheetTitle')} · ${e?.patient_name ?? ''} · Chelal`);

  if (enc.isPending || (e && items.isPending) || settings.isPending) {
    return (
      <Center p="xl">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (!e || items.isError) {
    return <Alert color="red">{clinicalProblem(enc.error ?? items.error, t, i18n.language)}</Alert>;
  }
  const list = items.data ?? [];
  const date = list.length ? list[list.length - 1]!.created_at : (e.closed_at ?? e.created_at);
  return (
    <Stack>
      <Group className="no-print" justify="space-between">
        <Button component={Link} to={`/consultations/${e.id}`} variant="subtle" leftSection={<IconArrowLeft size={16} />}>
          {e.patient_name}
        </Button>
        <Group>
          <Button component="a" href={`/api/v1/encounters/${e.id}/prescription.pdf`} download variant="default" leftSection={<IconFileTypePdf size={18} />} data-testid="prescription-pdf">
            {t('rx.pdf')}
          </Button>
          <Button size="md" leftSection={<IconPrinter size={18} />} onClick={() => window.print()} data-testid="print-now" autoFocus>
            {t('common.print')}
          </Button>
        </Group>
      </Group>
      <div className="prescription-sheet" data-testid="prescription-sheet">
        <Group justify="space-between" align="flex-start" mb="md">
          <div>
            <Title order={2} data-testid="clinic-name">
              {clinic}
            </Title>
            <Text size="sm">{t('rx.sheetTitle')}</Text>
          </div>
          <Text data-testid="prescription-date">{formatDate(date, i18n.language)}</Text>
        </Group>
        <dl className="facts" data-testid="prescription-patient">
          <dt>{t('appointments.patient')}</dt>
          <dd>
            <strong>{e.patient_name}</strong>
          </dd>
          <dt>{t('rx.recordNumber')}</dt>
          <dd style={{ fontFamily: 'monospace' }}>{e.patient_unique_id}</dd>
          {patient && (
            <>
              <dt>{t('rx.ageSex')}</dt>
              <dd>
                {ageText(t, patient, isoDate(new Date(date)))} · {t(`gender.${genderKey(patient.gender)}`)}
              </dd>
            </>
          )}
          {e.known_allergies.trim() && (
            <>
              <dt>{t('patients.allergies')}</dt>
              <dd>
                <strong>{e.known_allergies}</strong>
              </dd>
            </>
          )}
          <dt>{t('appointments.doctor')}</dt>
          <dd data-testid="prescription-doctor">{e.doctor_name}</dd>
        </dl>
        {list.length === 0 ? (
          <Text mt="md" c="dimmed">
            {t('rx.none')}
          </Text>
        ) : (
          <table style={{ marginTop: 16 }} data-testid="prescription-items">
            <thead>
              <tr>
                <th>{t('rx.medication')}</th>
                <th>{t('rx.dosage')}</th>
                <th>{t('rx.frequency')}</th>
                <th>{t('rx.duration')}</th>
                <th>{t('rx.quantity')}</th>
                <th>{t('rx.instructions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => (
                <tr key={p.id} data-prescription={p.id}>
                  <td>
                    <strong style={p.status === 'discontinued' ? { textDecoration: 'line-through' } : undefined}>{medicationLabel(p)}</strong>
                    {p.allergy_warning && (
                      <div className="wrap-anywhere" style={{ whiteSpace: 'pre-line' }} data-testid="print-allergy-override">
                        <strong>{t('rx.allergyOverride', { warning: p.allergy_warning })}</strong>
                        <br />
                        {t('rx.overridden', { reason: p.allergy_override_reason })}
                      </div>
                    )}
                    {p.status === 'discontinued' && (
                      <div data-testid="print-discontinued">
                        <strong>{t('rx.doNotDispense')}</strong> ({t('rx.discontinued', { when: formatDateTime(p.discontinued_at ?? '', i18n.language), reason: p.discontinue_reason })})
                      </div>
                    )}
                  </td>
                  <td>{p.dosage}</td>
                  <td>{p.frequency}</td>
                  <td>{p.duration}</td>
                  <td>{p.quantity}</td>
                  <td>{p.instructions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="signature" data-testid="signature-line">
          <span>{t('rx.signature', { name: e.doctor_name })}</span>
          <span>{t('rx.stamp')}</span>
        </div>
      </div>
      <Anchor component={Link} to={`/consultations/${e.id}`} className="no-print">
        {t('consult.backToConsultation')}
      </Anchor>
    </Stack>
  );
}
