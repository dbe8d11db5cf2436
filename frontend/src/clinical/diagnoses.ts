// Coded diagnoses' server state: the ICD-10 search, the clinic's favourites, an encounter's and
// a patient's diagnoses, and their changes (POST, PATCH, DELETE), with the problems' sentences.
import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type Schemas } from '../api';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import { clinicalProblem } from './queries';

export type Diagnosis = Schemas['Diagnosis'];
export type IcdCode = Schemas['ICD10Code'];
export type AddDiagnosis = Schemas['AddDiagnosis'];
export type EditDiagnosis = Schemas['EditDiagnosis'];

export const encounterDiagnosesKey = (id: number) => ['encounters', id, 'diagnoses'] as const;
export const patientDiagnosesKey = (id: number) => ['patients', id, 'diagnoses'] as const;
export const favouritesKey = ['diagnoses', 'favourites'] as const;

/** useIcdSearch: codes whose code begins with, or whose title holds, what was typed (2 characters or more). */
export function useIcdSearch(q: string) {
  const text = q.trim();
  return useQuery({
    queryKey: ['diagnoses', 'icd10', text],
    queryFn: async ({ signal }) => (await unwrap(api.client.GET('/api/v1/icd10', { params: { query: { q: text, limit: 10 } }, signal }))).items,
    enabled: text.length >= 2,
    placeholderData: keepPreviousData,
    staleTime: 5 * 60_000,
  });
}

export function useFavourites() {
  return useQuery({
    queryKey: favouritesKey,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/diagnosis-favourites'))).items,
    staleTime: 60_000,
  });
}

export function useEncounterDiagnoses(encounterId: number) {
  return useQuery({
    queryKey: encounterDiagnosesKey(encounterId),
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/encounters/{id}/diagnoses', { params: { path: { id: encounterId } } }))).items,
    enabled: encounterId > 0,
  });
}

export function usePatientDiagnoses(patientId: number, enabled = true) {
  return useQuery({
    queryKey: patientDiagnosesKey(patientId),
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/patients/{id}/diagnoses', { params: { path: { id: patientId } } }))).items,
    enabled: enabled && patientId > 0,
  });
}

/** The patient's encounters (for the chart's uncoded free-text diagnoses), newest first. */
export function usePatientEncounters(patientId: number, enabled = true) {
  return useQuery({
    queryKey: ['encounters', 'patient', patientId],
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/encounters', { params: { query: { patient_id: patientId, limit: 100 } } }))).items,
    enabled: enabled && patientId > 0,
  });
}

const DX_PROBLEMS = ['primary-exists', 'encounter-closed'] as const;

/** diagnosisProblem: the diagnoses' own problems in the user's language, else the consultation's. */
export function diagnosisProblem(err: unknown, t: TFunction, lang: string): string {
  if (err instanceof ApiError && (DX_PROBLEMS as readonly string[]).includes(err.code)) return t(`dx.problems.${err.code as (typeof DX_PROBLEMS)[number]}`);
  return clinicalProblem(err, t, lang);
}

function afterDiagnosis(qc: QueryClient, d: { encounter_id: number; patient_id: number }) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: encounterDiagnosesKey(d.encounter_id) }),
    qc.invalidateQueries({ queryKey: patientDiagnosesKey(d.patient_id) }),
  ]);
}

function useDxMutation<V, R>(config: Parameters<typeof useApiMutation<V, R>>[0]) {
  const { t, i18n } = useTranslation();
  return useApiMutation({ problem: (err) => diagnosisProblem(err, t, i18n.language), ...config });
}

export function useAddDiagnosis(encounterId: number, options: SaveOptions<AddDiagnosis, Diagnosis>) {
  return useDxMutation<AddDiagnosis, Diagnosis>({
    ...options,
    invalidate: (qc, d) => afterDiagnosis(qc, d),
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/encounters/{id}/diagnoses', { params: { path: { id: encounterId } }, body })),
  });
}

export function useEditDiagnosis(options: SaveOptions<{ id: number; body: EditDiagnosis }, Diagnosis>) {
  return useDxMutation<{ id: number; body: EditDiagnosis }, Diagnosis>({
    ...options,
    invalidate: (qc, d) => afterDiagnosis(qc, d),
    mutationFn: ({ id, body }) => unwrap(api.client.PATCH('/api/v1/diagnoses/{id}', { params: { path: { id } }, body })),
  });
}

export function useDeleteDiagnosis(options: SaveOptions<Diagnosis, unknown>) {
  return useDxMutation<Diagnosis, unknown>({
    ...options,
    invalidate: (qc, _r, d) => afterDiagnosis(qc, d),
    mutationFn: (d) => unwrap(api.client.DELETE('/api/v1/diagnoses/{id}', { params: { path: { id: d.id } } })),
  });
}

export function useSetFavourites(options: SaveOptions<string[], IcdCode[]>) {
  return useDxMutation<string[], IcdCode[]>({
    ...options,
    invalidate: [favouritesKey],
    mutationFn: async (codes) => (await unwrap(api.client.PUT('/api/v1/diagnosis-favourites', { body: { codes } }))).items,
  });
}
