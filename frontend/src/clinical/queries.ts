// The consultation's server state: an encounter, its vitals and prescriptions, a patient's
// vitals over time, the doctor's and the nurse's queues, opening a visit's encounter, the
// (optional) pharmacy catalog, and the clinical problems' sentences.
import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { api, ApiError, unwrap, type Schemas } from '../api';
import { invalidateSchedule, QUEUE_REFRESH_MS, useAppointments } from '../appointments/queries';
import { problemMessage } from '../forms/errors';
import { clinicToday } from '../i18n/format';

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
 * useVisitQueue: today's appointments waiting for a consultation (checked in, arrival order)
 * and those in consultation, of one doctor (doctorId) or all (0), kept fresh.
 */
export function useVisitQueue(doctorId: number) {
  const date = clinicToday();
  const opts = { refetchInterval: QUEUE_REFRESH_MS };
  const waiting = useAppointments({ date, status: 'checked_in', doctor_id: doctorId || undefined }, opts);
  const inProgress = useAppointments({ date, status: 'in_progress', doctor_id: doctorId || undefined }, opts);
  return { waiting, inProgress };
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
