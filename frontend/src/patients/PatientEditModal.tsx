// PatientEditModal (/patients/12/edit): edits the demographics on the version that was
// opened. When someone else saved the patient meanwhile the server refuses (stale-version);
// then both versions are shown side by side, and the user either applies their changes on top
// of the current version or takes the current one.
import { Group, Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../api';
import type { Patient, EditParams } from '../api/types';
import { useSession } from '../auth/session';
import { DraftNotice } from '../forms/DraftNotice';
import { VersionConflict } from '../forms/VersionConflict';
import { FormButtons, FormError } from '../forms/FormFooter';
import { usePersistentForm } from '../forms/usePersistentForm';
import { problemMessage } from '../forms/errors';
import { changedFields, PATIENT_FIELDS, PatientFields, pickFields, usePatientValidation } from './fields';
import { patientKey, useEditPatient } from './queries';
import { clinicToday } from '../i18n/format';
import { StaleNotice } from '../live/StaleNotice';

export function PatientEditModal({ patient }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const today = clinicToday();
  // the version being edited (its values are what "changed" is measured against)
  const [base, setBase] = useState<Patient>(patient);
  const [theirs, setTheirs] = useState<Patient | null>(null);
  const { form, restored, discardDraft } = usePersistentForm({
    id: `patient-edit-${patient.id}`,
    owner: user.id,
    initialValues: { ...pickFields(patient), version: patient.version },
    validate: usePatientValidation(today),
  });
  const close = () => navigate(`/patients/${patient.id}`);

  const save = useEditPatient(patient.id, {
    form,
    onSuccess: discardDraft,
    success: t('patients.saved'),
    close,
    // someone else saved meanwhile: show both versions
    onStale: async () => {
      try {
        setTheirs(await unwrap(api.client.GET('/api/v1/patients/{id}', { params: { path: { id: patient.id } } })));
      } catch (loadErr) {
        save.setMessage(problemMessage(loadErr, t, i18n.language));
      }
    },
  });

  // keep my changes, now on top of their version
  function applyMine() {
    if (!theirs) return;
    const mine = changedFields(form.getValues(), pickFields(base));
    form.setValues({ ...pickFields(theirs), ...mine, version: theirs.version });
    setBase(theirs);
    setTheirs(null);
  }

  function takeTheirs() {
    if (!theirs) return;
    qc.setQueryData(patientKey(theirs.id), theirs);
    form.setValues({ ...pickFields(theirs), version: theirs.version });
    setBase(theirs);
    setTheirs(null);
  }

  const mine = form.values;
  return (
    <Modal opened onClose={close} title={t('patients.edit')} size="lg">
      {theirs ? (
        <VersionConflict
          testId="patient-conflict"
          title={t('patients.conflictTitle')}
          text={t('patients.conflictText')}
          theirsLabel={t('patients.currentVersion')}
          rows={PATIENT_FIELDS.map((f) => ({
            field: f,
            label: t(`fields.${f}`),
            mine: f === 'gender' ? t(`gender.${mine[f] as 'male'}`) : mine[f],
            theirs: f === 'gender' ? t(`gender.${theirs[f] as 'male'}`) : theirs[f],
            differs: mine[f].trim() !== (theirs[f] ?? '').trim(),
          }))}
          takeTheirs={{ label: t('patients.takeTheirs'), onClick: takeTheirs }}
          keepMine={{ label: t('patients.applyMine'), onClick: applyMine, testId: 'apply-mine' }}
        />
      ) : (
        <form onSubmit={form.onSubmit((v) => save.submit({ version: v.version, ...(changedFields(v, pickFields(base)) as Partial<EditParams>) }))} noValidate data-testid="patient-edit-form">
          <Stack>
            <StaleNotice
              kind="patient"
              id={patient.id}
              version={mine.version}
              onReload={() => void unwrap(api.client.GET('/api/v1/patients/{id}', { params: { path: { id: patient.id } } })).then(setTheirs, (err) => save.setMessage(problemMessage(err, t, i18n.language)))}
            />
            <DraftNotice
              restored={restored}
              onDiscard={() => {
                discardDraft();
                form.setValues({ ...pickFields(patient), version: patient.version });
              }}
            />
            <PatientFields form={form} today={today} />
            <FormError message={save.message} />
            <Group justify="space-between">
              <Text size="xs" c="dimmed">
                {t('patients.version', { version: mine.version })}
              </Text>
              <FormButtons busy={save.busy} onCancel={close} />
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
