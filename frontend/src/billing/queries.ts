// The billing area's server state: the catalog, bills (the cashier's open bills, a search), one
// bill with its lines and payments, a receipt, and the changes (lines, payments, cancel).
import { keepPreviousData, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api';
import type { BillDetail } from '../api/types';
import { useApiMutation, type ApiMutationConfig, type SaveOptions } from '../forms/useApiMutation';
import { livePoll } from '../live/live';

export const BILLS_KEY = ['bills'] as const;
export const SERVICES_KEY = ['services'] as const;
export const REPORT_KEY = ['reports', 'daily'] as const;

export function useServices(activeOnly = false) {
  return useQuery({
    queryKey: [...SERVICES_KEY, { activeOnly }],
    queryFn: async () => {
      // The catalog is small; read it whole, 200 at a time.
      const items = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await unwrap(api.client.GET('/api/v1/services', { params: { query: { limit: 200, ...(activeOnly ? { active: true } : {}), ...(cursor ? { cursor } : {}) } } }));
        items.push(...page.items);
        if (!page.next_cursor) return items;
        cursor = page.next_cursor;
      }
    },
    staleTime: 60_000,
  });
}

export interface BillQuery {
  status?: string;
  q?: string;
  patient_id?: number;
}

export function useBills(filter: BillQuery) {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '' && v !== 0));
  return useQuery({
    queryKey: [...BILLS_KEY, 'list', query],
    queryFn: async () => unwrap(api.client.GET('/api/v1/bills', { params: { query: { ...query, limit: 100 } } })),
    placeholderData: keepPreviousData,
    refetchInterval: () => livePoll(20_000),
    staleTime: 5_000,
  });
}

export function useBill(id: number) {
  return useQuery({
    queryKey: [...BILLS_KEY, 'one', id],
    queryFn: async () => unwrap(api.client.GET('/api/v1/bills/{id}', { params: { path: { id } } })),
    enabled: id > 0,
  });
}

export function useReceipt(id: number, paymentId?: number) {
  return useQuery({
    queryKey: [...BILLS_KEY, 'receipt', id, paymentId ?? 0],
    queryFn: async () => unwrap(api.client.GET('/api/v1/bills/{id}/receipt', { params: { path: { id }, query: paymentId ? { payment_id: paymentId } : {} } })),
    enabled: id > 0,
  });
}

/** invalidateBilling refreshes every bill, receipt and the report after a change. */
export function invalidateBilling(qc: QueryClient) {
  return Promise.all([qc.invalidateQueries({ queryKey: BILLS_KEY }), qc.invalidateQueries({ queryKey: REPORT_KEY })]);
}

export { newIdempotencyKey } from '../api/idempotency';

/** useBillChange: a change of a bill; the bills are refreshed whatever the answer (a failure may mean it changed meanwhile). */
function useBillChange<V, R>(config: ApiMutationConfig<V, R>) {
  const qc = useQueryClient();
  return useApiMutation({ ...config, invalidate: invalidateBilling, afterError: () => invalidateBilling(qc) });
}

/** useSaveService adds a service to the catalog, or edits `service` on the version shown. */
export function useSaveService(service: Schemas['CatalogService'] | undefined, options: SaveOptions<Schemas['ServiceParams'], unknown>) {
  return useApiMutation({
    ...options,
    invalidate: [SERVICES_KEY],
    mutationFn: (body) =>
      service
        ? unwrap(api.client.PATCH('/api/v1/services/{id}', { params: { path: { id: service.id } }, body: { ...body, version: service.version } }))
        : unwrap(api.client.POST('/api/v1/services', { body })),
  });
}

/** useCreateBill opens a bill, once per attempt (Idempotency-Key). */
export function useCreateBill(options: SaveOptions<Schemas['CreateBillParams'], BillDetail>) {
  return useApiMutation({
    ...options,
    invalidate: invalidateBilling,
    mutationFn: (body, key) => unwrap(api.client.POST('/api/v1/bills', { body, headers: { 'Idempotency-Key': key } })),
  });
}

/** useAddBillItems adds catalog services or a credit to a bill. */
export function useAddBillItems(billId: number, options: SaveOptions<Schemas['AddItemsParams']['items'], unknown>) {
  return useBillChange({
    ...options,
    mutationFn: (items) => unwrap(api.client.POST('/api/v1/bills/{id}/items', { params: { path: { id: billId } }, body: { items } })),
  });
}

/** usePay takes a payment, once per attempt (Idempotency-Key; renewKey when the payment changes). */
export function usePay(billId: number, options: SaveOptions<Schemas['PaymentParams'], Schemas['Payment']>) {
  return useBillChange({
    ...options,
    mutationFn: (body, key) => unwrap(api.client.POST('/api/v1/bills/{id}/payments', { params: { path: { id: billId } }, headers: { 'Idempotency-Key': key }, body })),
  });
}

/** useCancelBill cancels a bill (nothing paid yet) with the reason, on the version shown. */
export function useCancelBill(bill: BillDetail, options: SaveOptions<string, unknown>) {
  return useBillChange({
    ...options,
    mutationFn: (reason) => unwrap(api.client.PATCH('/api/v1/bills/{id}', { params: { path: { id: bill.id } }, body: { version: bill.version, status: 'cancelled', cancel_reason: reason } })),
  });
}

export const METHODS = ['cash', 'mobile_money', 'card', 'insurance', 'other'] as const;
export const CATEGORIES = ['consultation', 'procedure', 'lab', 'pharmacy', 'other'] as const;
