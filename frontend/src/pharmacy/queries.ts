// The pharmacy's server state: the catalog with stock, one medication with its batches, its
// ledger, the alerts, the dispensing queue (refreshed every 15 s), supplies and categories.
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api';
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
