// The laboratory's server state: the test catalog, the lab's worklist, an encounter's orders
// and a patient's results, and the acts on them (order, cancel, collect, enter, verify, amend,
// acknowledge). Live events of kind lab / lab_test make these stale (live/invalidation.ts).
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';

export type LabTest = Schemas['Test'];
export type LabOrder = Schemas['Order'];
export type LabResult = Schemas['Result'];
export type LabOrderParams = Schemas['OrderParams'];

export const labTestsKey = ['lab', 'tests'] as const;
export const worklistKey = ['lab', 'worklist'] as const;
export const encounterLabKey = (id: number) => ['encounters', id, 'lab'] as const;
export const patientLabKey = (id: number) => ['patients', id, 'lab'] as const;

export function useLabTests() {
  return useQuery({
    queryKey: labTestsKey,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/lab/tests', {}))).items,
    staleTime: 60_000,
  });
}

export function useWorklist() {
  return useQuery({
    queryKey: worklistKey,
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/lab/worklist', { params: { query: { limit: 200 } } }))).items,
  });
}

export function useEncounterLabOrders(encounterId: number, enabled = true) {
  return useQuery({
    queryKey: encounterLabKey(encounterId),
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/encounters/{id}/lab-orders', { params: { path: { id: encounterId } } }))).items,
    enabled: enabled && encounterId > 0,
  });
}

export function usePatientLabResults(patientId: number, enabled = true) {
  return useQuery({
    queryKey: patientLabKey(patientId),
    queryFn: async () =>
      (await unwrap(api.client.GET('/api/v1/patients/{id}/lab-results', { params: { path: { id: patientId }, query: { limit: 200 } } }))).items,
    enabled: enabled && patientId > 0,
  });
}

export function useLabTrend(patientId: number, testId: number) {
  return useQuery({
    queryKey: [...patientLabKey(patientId), 'trend', testId] as const,
    queryFn: () => unwrap(api.client.GET('/api/v1/patients/{id}/lab-trend', { params: { path: { id: patientId }, query: { test_id: testId } } })),
    enabled: patientId > 0 && testId > 0,
  });
}

/** afterLab refreshes every lab list on screen. */
function afterLab(qc: QueryClient) {
  return qc.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'lab' || q.queryKey[2] === 'lab' });
}

export function usePlaceLabOrder(encounterId: number, options: SaveOptions<LabOrderParams, LabOrder>) {
  return useApiMutation({
    ...options,
    invalidate: (qc) => afterLab(qc),
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/encounters/{id}/lab-orders', { params: { path: { id: encounterId } }, body })),
  });
}

/** useCancelLabOrder cancels order o with the reason given (ReasonModal's act). */
export function useCancelLabOrder(o: { id: number; version: number }, options: SaveOptions<string, unknown>) {
  return useApiMutation<string, unknown>({
    ...options,
    invalidate: (qc) => afterLab(qc),
    mutationFn: (reason) =>
      unwrap(api.client.POST('/api/v1/lab/orders/{id}/cancel', { params: { path: { id: o.id } }, body: { version: o.version, reason } })),
  });
}

export function useCollect(options: SaveOptions<{ id: number; version: number }, LabOrder> = {}) {
  return useApiMutation({
    failure: 'toast',
    ...options,
    invalidate: (qc) => afterLab(qc),
    mutationFn: ({ id, version }) => unwrap(api.client.POST('/api/v1/lab/orders/{id}/collect', { params: { path: { id } }, body: { version } })),
  });
}

export type ResultInput = { id: number; version: number; value_numeric?: number | null; value_text?: string; reason?: string };

export function useEnterResult(amend: boolean, options: SaveOptions<ResultInput, LabResult> = {}) {
  return useApiMutation({
    failure: 'toast',
    ...options,
    invalidate: (qc) => afterLab(qc),
    mutationFn: ({ id, version, value_numeric, value_text, reason }) => {
      const body = { version, value_numeric: value_numeric ?? null, value_text: value_text ?? '', reason };
      return amend
        ? unwrap(api.client.POST('/api/v1/lab/results/{id}/amend', { params: { path: { id } }, body }))
        : unwrap(api.client.POST('/api/v1/lab/results/{id}', { params: { path: { id } }, body }));
    },
  });
}

export function useVerify(options: SaveOptions<{ id: number; version: number }, LabResult> = {}) {
  return useApiMutation({
    failure: 'toast',
    ...options,
    invalidate: (qc) => afterLab(qc),
    mutationFn: ({ id, version }) => unwrap(api.client.POST('/api/v1/lab/results/{id}/verify', { params: { path: { id } }, body: { version } })),
  });
}

export function useAcknowledge(options: SaveOptions<number, LabResult> = {}) {
  return useApiMutation({
    failure: 'toast',
    ...options,
    invalidate: (qc) => afterLab(qc),
    mutationFn: (id) => unwrap(api.client.POST('/api/v1/lab/results/{id}/acknowledge', { params: { path: { id } } })),
  });
}

/** critical says whether a flag calls the doctor at once. */
export function critical(flag: string): boolean {
  return flag === 'critical_low' || flag === 'critical_high';
}
