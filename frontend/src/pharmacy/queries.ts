// The pharmacy's server state: the catalog with stock, one medication with its batches, its
// ledger, the alerts, the dispensing queue (refreshed every 15 s), supplies and categories;
// and its changes (each refreshes every pharmacy list: invalidatePharmacy).
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap, type Schemas } from '../api';
import type { InventoryItem, Medication, MedicationCategory } from '../api/types';
import { allergyChecked } from '../clinical/allergy';
import { useApiMutation, type SaveOptions } from '../forms/useApiMutation';
import { livePoll } from '../live/live';
import { NOTIFICATIONS_KEY } from '../notifications/queries';

export const PHARMACY_KEY = ['pharmacy'] as const;
export const QUEUE_REFRESH_MS = 15_000;

export interface MedicationFilter {
  q?: string;
  category_id?: number;
  stock?: '' | 'low' | 'expiring' | 'expired';
  include_inactive?: boolean;
}

function clean<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && v !== 0 && v !== false)) as Partial<T>;
}

export function useMedications(filter: MedicationFilter) {
  const query = clean(filter);
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'medications', query],
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/medications', { params: { query: { ...query, limit: 200 } } }))).items,
    staleTime: 10_000,
  });
}

export function useMedication(id: number) {
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'medication', id],
    queryFn: () => unwrap(api.client.GET('/api/v1/medications/{id}', { params: { path: { id } } })),
    enabled: id > 0,
  });
}

export function useMovements(id: number) {
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'movements', id],
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/medications/{id}/stock-adjustments', { params: { path: { id }, query: { limit: 200 } } }))).items,
    enabled: id > 0,
  });
}

export function useCategories(includeInactive = false) {
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'categories', includeInactive],
    queryFn: async () =>
      (await unwrap(api.client.GET('/api/v1/medication-categories', { params: { query: { limit: 200, ...(includeInactive ? { include_inactive: true } : {}) } } }))).items,
    staleTime: 60_000,
  });
}

export function useAlerts() {
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'alerts'],
    queryFn: () => unwrap(api.client.GET('/api/v1/pharmacy/alerts')),
    refetchInterval: () => livePoll(60_000),
  });
}

/** The dispensing queue's lists: waiting (the queue), and those that left it undispensed. */
export const QUEUE_STATUSES = ['waiting', 'stale', 'returned', 'discontinued'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
/** STALE_AFTER_DAYS is the server's pharmacy.StaleAfterDays (shown in the stale list's hint). */
export const STALE_AFTER_DAYS = 30;

export function useDispenseQueue(status: QueueStatus = 'waiting') {
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'queue', status],
    queryFn: async () => (await unwrap(api.client.GET('/api/v1/pharmacy/queue', { params: { query: { limit: 200, status } } }))).items,
    refetchInterval: () => livePoll(QUEUE_REFRESH_MS),
  });
}

export function useInventory(includeInactive: boolean) {
  return useQuery({
    queryKey: [...PHARMACY_KEY, 'inventory', includeInactive],
    queryFn: async () =>
      (await unwrap(api.client.GET('/api/v1/inventory-items', { params: { query: { limit: 200, ...(includeInactive ? { include_inactive: true } : {}) } } }))).items,
  });
}

/** invalidatePharmacy refreshes every pharmacy list after a change. */
export function invalidatePharmacy(qc: QueryClient) {
  // A stock change may have notified the user who made it (low stock, a batch expiring soon):
  // the bell shows it now rather than at its next poll.
  return Promise.all([qc.invalidateQueries({ queryKey: PHARMACY_KEY }), qc.invalidateQueries({ queryKey: NOTIFICATIONS_KEY })]);
}

/** A record's editable fields with its active flag (which only an edit sends). */
type WithActive<P> = P & { is_active: boolean };

/**
 * useSaveRecord creates a record, or edits `record` on the version shown (with its active flag,
 * which only an edit sends).
 */
function useSaveRecord<P extends object, R>(
  record: { id: number; version: number } | undefined,
  options: SaveOptions<WithActive<P>, unknown>,
  create: (body: P) => Promise<R>,
  edit: (id: number, body: P & { is_active: boolean; version: number }) => Promise<R>,
) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    mutationFn: ({ is_active, ...body }: WithActive<P>) => (record ? edit(record.id, { ...(body as P), is_active, version: record.version }) : create(body as P)),
  });
}

/** useSaveMedication creates a medication, or edits `medication` on the version shown. */
export function useSaveMedication(medication: Medication | undefined, options: SaveOptions<WithActive<Schemas['MedicationParams']>, unknown>) {
  return useSaveRecord(
    medication,
    options,
    (body) => unwrap(api.client.POST('/api/v1/medications', { body })),
    (id, body) => unwrap(api.client.PATCH('/api/v1/medications/{id}', { params: { path: { id } }, body })),
  );
}

export function useReceiveBatch(medicationId: number, options: SaveOptions<Schemas['ReceiveParams'], unknown>) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/medications/{id}/batches', { params: { path: { id: medicationId } }, body })),
  });
}

export function useAdjustStock(medicationId: number, options: SaveOptions<Schemas['AdjustParams'], unknown>) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/medications/{id}/stock-adjustments', { params: { path: { id: medicationId } }, body })),
  });
}

/** useReturnDispense takes back medicine a patient returns from a dispense. */
export function useReturnDispense(dispenseId: number, options: SaveOptions<Schemas['ReturnParams'], unknown>) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/dispenses/{id}/returns', { params: { path: { id: dispenseId } }, body })),
  });
}

export function useSaveCategory(category: MedicationCategory | undefined, options: SaveOptions<WithActive<Schemas['CategoryParams']>, unknown>) {
  return useSaveRecord(
    category,
    options,
    (body) => unwrap(api.client.POST('/api/v1/medication-categories', { body })),
    (id, body) => unwrap(api.client.PATCH('/api/v1/medication-categories/{id}', { params: { path: { id } }, body })),
  );
}

export function useSaveInventoryItem(item: InventoryItem | undefined, options: SaveOptions<WithActive<Schemas['InventoryParams']>, unknown>) {
  return useSaveRecord(
    item,
    options,
    (body) => unwrap(api.client.POST('/api/v1/inventory-items', { body })),
    (id, body) => unwrap(api.client.PATCH('/api/v1/inventory-items/{id}', { params: { path: { id } }, body })),
  );
}

export function useAdjustInventory(itemId: number, options: SaveOptions<Schemas['InventoryAdjustParams'], unknown>) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    mutationFn: (body) => unwrap(api.client.POST('/api/v1/inventory-items/{id}/adjustments', { params: { path: { id: itemId } }, body })),
  });
}

/** useRefreshOnConflict: after a 409 the stock or the prescription changed meanwhile: show the queue as it now is. */
function useRefreshOnConflict() {
  const qc = useQueryClient();
  return (err: unknown) => (err instanceof ApiError && err.status === 409 ? invalidatePharmacy(qc) : undefined);
}

/** useDispense hands out a prescription (in full or in part), once per attempt (Idempotency-Key). */
export function useDispense(prescriptionId: number, options: SaveOptions<number, Schemas['Dispense']>) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    afterError: useRefreshOnConflict(),
    mutationFn: (quantity, key) =>
      unwrap(api.client.POST('/api/v1/prescriptions/{id}/dispense', { params: { path: { id: prescriptionId } }, body: { quantity }, headers: { 'Idempotency-Key': key } })),
  });
}

/**
 * useLinkPrescription links a free-text prescription to a catalog medication. An allergy
 * warning is an answer here, not a failure: `warnings` is set and nothing is linked (the
 * pharmacist confirms with a reason and sends again).
 */
export function useLinkPrescription(prescriptionId: number, options: SaveOptions<Schemas['LinkParams'], { warnings: string[] | null; strength: string }>) {
  return useApiMutation({
    ...options,
    invalidate: (qc, answer) => (answer.warnings ? undefined : invalidatePharmacy(qc)),
    mutationFn: async (body) => {
      const { warnings, data } = await allergyChecked(api.client.POST('/api/v1/prescriptions/{id}/link', { params: { path: { id: prescriptionId } }, body }));
      return { warnings, strength: data?.strength ?? '' };
    },
  });
}

/** useSendBack sends a prescription back to its prescriber, with the reason. */
export function useSendBack(prescriptionId: number, options: SaveOptions<string, unknown>) {
  return useApiMutation({
    ...options,
    invalidate: invalidatePharmacy,
    afterError: useRefreshOnConflict(),
    mutationFn: (reason) => unwrap(api.client.POST('/api/v1/prescriptions/{id}/return-to-prescriber', { params: { path: { id: prescriptionId } }, body: { reason } })),
  });
}
