// The consultation's server state: an encounter, its vitals and prescriptions, a patient's
// vitals over time, the doctor's and the nurse's queues, opening a visit's encounter, the
// (optional) pharmacy catalog, and the clinical problems' sentences.
import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type Schemas } from '../api';
import { invalidateSchedule } from '../appointments/queries';
import { AFTER_STATES, useVisits, WAITING_STATES } from '../appointments/visits';
import { problemMessage } from '../forms/errors';
import { useApiMutation, type ApiMutationConfig, type SaveOptions } from '../forms/useApiMutation';
import { allergyChecked } from './allergy';

export type Encounter = Schemas['Encounter'];
export type Prescription = Schemas['Prescription'];
export type PrescribeParams = Schemas['PrescribeParams'];

export const encounterKey = (id: number) => ['encounters', id] as const;
export const encounterVitalsKey = (id: number) => ['encounters', id, 'vitals'] as const;
export const prescriptionsKey = (id: number) => ['encounters', id, 'prescriptions'] as const;
export const patientVitalsKey = (id: number) => ['patients', id, 'vitals'] as const;

/** useEncounter reads an encounter (each reading is audited: not refetched behind the user's back). */
export function useEncounter(id: number) {
  return useQuery({
    queryKey: encounterKey(id),
    queryFn: () => unwrap(api.client.GET('/api/v1/encounters/{id}', { params: { path: { id } } })),
    enabled: id > 0,
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
}

export function useEncounterVitals(id: number) {
  return useQuery({
    queryKey: encounterVitalsKey(id),
    queryFn: () => unwrap(api.client.GET('/api/v1/encounters/{id}/vitals', { params: { path: { id } } })),
    enabled: id > 0,
  });
}

export function usePatientVitals(id: number, enabled = true) {
  return useQuery({
    queryKey: patientVitalsKey(id),
    queryFn: () => unwrap(api.client.GET('/api/v1/patients/{id}/vitals', { params: { path: { id } } })),
    enabled: enabled && id > 0,
  });
}

export function usePrescriptions(id: number, enabled = true) {
  return useQuery({
    queryKey: prescriptionsKey(id),
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/encounters/{id}/prescriptions', { params: { path: { id } } }))).items,
    enabled: enabled && id > 0,
  });
}

/** openVisit returns the encounter of a checked-in appointment, opening it if needed. */
export function openVisit(appointmentId: number) {
  return unwrap(api.client.POST('/api/v1/appointments/{id}/encounter', { params: { path: { id: appointmentId } } }));
}

/** afterVitals refreshes what shows a patient's vitals (the encounter's, the chart, the timeline). */
export function afterVitals(qc: QueryClient, encounterId: number, patientId: number) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: encounterVitalsKey(encounterId) }),
    qc.invalidateQueries({ queryKey: patientVitalsKey(patientId) }),
    qc.invalidateQueries({ queryKey: ['patients', patientId, 'timeline'] }),
  ]);
}

/** afterEncounter refreshes the queues and the patient's timeline after a change of status. */
export function afterEncounter(qc: QueryClient, e: Encounter) {
  qc.setQueryData(encounterKey(e.id), e);
  return Promise.all([invalidateSchedule(qc), qc.invalidateQueries({ queryKey: ['patients', e.patient_id, 'timeline'] })]);
}

/**
 * useVisitQueue: today's visits of one doctor (doctorId) or all (0), from the server's one
 * visit list, kept fresh: those waiting (checked in, vitals taken), those with the doctor, and
 * those after the consultation (to the pharmacy, to the cashier), with the server's clock
 * offset for the waiting minutes.
 */
export function useVisitQueue(doctorId: number) {
  const visits = useVisits(doctorId);
  const part = (states: readonly string[]) => ({
    isError: visits.isError,
    error: visits.error,
    isSuccess: visits.isSuccess,
    data: visits.data?.items.filter((a) => a.visit_state !== undefined && states.includes(a.visit_state)),
  });
  return { waiting: part(WAITING_STATES), inProgress: part(['with_doctor']), after: part(AFTER_STATES), offset: visits.data?.offset ?? 0 };
}

/** A medication of the pharmacy catalog, as much of it as the picker shows. */
export interface CatalogMedication {
  id: number;
  name: string;
  strength?: string;
  form?: string;
  category_name?: string;
  available_quantity?: number;
}

let catalogMissing = false;

/**
 * useMedicationCatalog searches the pharmacy catalog (GET /api/v1/medications?q=) when this
 * server has one: a server without it (404), or a user who may not read it (403), leaves the
 * doctor with free text, which the server accepts and marks as such.
 */
export function useMedicationCatalog(q: string) {
  const text = q.trim();
  return useQuery({
    queryKey: ['medications', 'search', text],
    queryFn: async ({ signal }): Promise<CatalogMedication[]> => {
      if (catalogMissing) return [];
      const res = await api.fetch(`/api/v1/medications?${new URLSearchParams({ q: text, limit: '10' })}`, { signal, headers: { Accept: 'application/json' } });
      if (res.status === 404 || res.status === 403 || res.status === 405) {
        catalogMissing = true;
        return [];
      }
      if (!res.ok) return [];
      const body: unknown = await res.json().catch(() => null);
      const items = body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items) ? (body as { items: unknown[] }).items : [];
      return items.filter((m): m is CatalogMedication => !!m && typeof m === 'object' && typeof (m as CatalogMedication).id === 'number' && typeof (m as CatalogMedication).name === 'string');
    },
    enabled: text.length >= 2 && !catalogMissing,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });
}

// The clinical problem types a user meets on these screens, with a sentence each.
const CLINICAL_PROBLEMS = ['encounter-closed', 'encounter-open', 'encounter-exists', 'not-your-encounter', 'not-checked-in', 'allergy-warning'] as const;
type ClinicalProblem = (typeof CLINICAL_PROBLEMS)[number];

/** clinicalProblem is problemMessage, with the consultation's own problems in the user's language. */
export function clinicalProblem(err: unknown, t: TFunction, lang: string): string {
  if (err instanceof ApiError && (CLINICAL_PROBLEMS as readonly string[]).includes(err.code)) {
    if (lang === 'en' && err.detail) return err.detail;
    return t(`clinicalProblems.${err.code as ClinicalProblem}`);
  }
  return problemMessage(err, t, lang);
}

/** useClinicalMutation: useApiMutation saying the consultation's problems in the user's language. */
function useClinicalMutation<V, R>(config: ApiMutationConfig<V, R>) {
  const { t, i18n } = useTranslation();
  return useApiMutation({ problem: (err) => clinicalProblem(err, t, i18n.language), ...config });
}

export function useSaveVitals(encounterId: number, patientId: number, options: SaveOptions<Schemas['VitalsInput'], Schemas['VitalsRecord']>) {
  return useClinicalMutation({
    ...options,
    invalidate: (qc) => afterVitals(qc, encounterId, patientId),
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/encounters/{id}/vitals', { params: { path: { id: encounterId } }, body })),
  });
}

/** useStartWalkIn opens a consultation without an appointment (once per attempt: Idempotency-Key). */
export function useStartWalkIn(options: SaveOptions<{ patient_id: number; notes: string }, Encounter>) {
  return useClinicalMutation({
    ...options,
    invalidate: (qc, e) => afterEncounter(qc, e),
    mutationFn: (body, key) => unwrap(api.client.POST('/api/v1/encounters', { body, headers: { 'Idempotency-Key': key } })),
  });
}

/** useCloseEncounter closes an encounter; `version` is the one its notes were last saved at. */
export function useCloseEncounter(encounterId: number, options: SaveOptions<() => Promise<{ version: number }>, Encounter>) {
  return useClinicalMutation({
    ...options,
    invalidate: (qc, e) => afterEncounter(qc, e),
    mutationFn: async (flush) => {
      const cur = await flush();
      return unwrap(api.client.POST('/api/v1/encounters/{id}/close', { params: { path: { id: encounterId } }, body: { version: cur.version } }));
    },
  });
}

export function useAddAddendum(encounterId: number, options: SaveOptions<string, Encounter>) {
  return useClinicalMutation({
    ...options,
    invalidate: (qc, e) => afterEncounter(qc, e),
    mutationFn: (text) => unwrap(api.client.POST('/api/v1/encounters/{id}/addenda', { params: { path: { id: encounterId } }, body: { text } })),
  });
}

/** confirmed is what a prescription adds when the doctor confirmed an allergy warning with reason. */
const confirmed = (reason?: string) => (reason !== undefined ? { confirm_allergy: true, allergy_override_reason: reason } : {});

/** A prescription sent, with the reason that confirms an allergy warning when there was one. */
export interface PrescribeVars {
  body: PrescribeParams;
  reason?: string;
}

/**
 * usePrescribe prescribes. An allergy warning is an answer, not a failure: `warnings` is set
 * and nothing is prescribed (the doctor confirms with a reason and sends again).
 */
export function usePrescribe(e: Encounter, options: SaveOptions<PrescribeVars, { warnings: string[] | null; prescription: Prescription | null }>) {
  return useClinicalMutation({
    ...options,
    invalidate: async (qc, answer) => {
      if (answer.warnings) return;
      await qc.invalidateQueries({ queryKey: prescriptionsKey(e.id) });
      void qc.invalidateQueries({ queryKey: ['patients', e.patient_id, 'timeline'] });
    },
    mutationFn: async ({ body, reason }) => {
      const { warnings, data } = await allergyChecked(api.client.POST('/api/v1/encounters/{id}/prescriptions', { params: { path: { id: e.id } }, body: { ...body, ...confirmed(reason) } }));
      return { warnings, prescription: data };
    },
  });
}

/** A correction sent, with the reason that confirms an allergy warning when there was one. */
export interface CorrectVars {
  body: Omit<Schemas['CorrectParams'], 'confirm_allergy' | 'allergy_override_reason'>;
  reason?: string;
}

/**
 * useCorrectPrescription discontinues p and prescribes the corrected one in one act. As for a
 * new prescription, an allergy warning is an answer: `warnings` is set and nothing is changed.
 */
export function useCorrectPrescription(e: Encounter, p: Prescription, options: SaveOptions<CorrectVars, { warnings: string[] | null; correction: Schemas['Correction'] | null }>) {
  return useClinicalMutation({
    ...options,
    invalidate: async (qc, answer) => {
      if (answer.warnings) return;
      await Promise.all([qc.invalidateQueries({ queryKey: prescriptionsKey(e.id) }), qc.invalidateQueries({ queryKey: encounterKey(e.id) })]);
      void qc.invalidateQueries({ queryKey: ['pharmacy'] });
      void qc.invalidateQueries({ queryKey: ['patients', e.patient_id, 'timeline'] });
    },
    mutationFn: async ({ body, reason }) => {
      const { warnings, data } = await allergyChecked(api.client.POST('/api/v1/prescriptions/{id}/correct', { params: { path: { id: p.id } }, body: { ...body, ...confirmed(reason) } }));
      return { warnings, correction: data };
    },
  });
}

/** useDiscontinue stops a prescription with a reason (the pharmacy no longer dispenses it). */
export function useDiscontinue(e: Encounter, p: Prescription, options: SaveOptions<string, unknown>) {
  return useClinicalMutation({
    ...options,
    invalidate: async (qc) => {
      await qc.invalidateQueries({ queryKey: prescriptionsKey(e.id) });
      void qc.invalidateQueries({ queryKey: ['pharmacy'] });
    },
    mutationFn: (reason) => unwrap(api.client.POST('/api/v1/prescriptions/{id}/discontinue', { params: { path: { id: p.id } }, body: { reason } })),
  });
}
