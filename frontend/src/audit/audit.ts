// The audit screen's logic, apart from React: the filter's query string (shared by the list and
// the CSV export) and the before/after pairs of a change.

/** AuditFilter: the list's and export's filters (the server's query parameters). */
export interface AuditFilter {
  user_id?: number;
  patient_id?: number;
  model_name?: string;
  action?: string;
  from?: string; // YYYY-MM-DD, a day of the clinic's time zone
  to?: string; // YYYY-MM-DD, through that day
}

/** The audited tables (the database triggers' tables and those the application logs about). */
export const AUDIT_TABLES = [
  'auth_user',
  'core_appointment',
  'core_bill',
  'core_billitem',
  'core_dispense',
  'core_encounter',
  'core_encounteraddendum',
  'core_inventoryitem',
  'core_inventorymovement',
  'core_medicationcategory',
  'core_medicationitem',
  'core_notification',
  'core_patient',
  'core_payment',
  'core_prescription',
  'core_role',
  'core_rolepermission',
  'core_servicecatalog',
  'core_setting',
  'core_stockalert',
  'core_stockbatch',
  'core_stockmovement',
  'core_telemedicinesession',
  'core_vitals',
] as const;

/** The actions of the audit log: the triggers' three and those the application records. */
export const AUDIT_ACTIONS = [
  'create',
  'update',
  'delete',
  'view',
  'login',
  'login_failed',
  'login_locked',
  'login_otp_required',
  'logout',
  'access_denied',
  'password_reset',
] as const;

/** auditQuery: the filter as a query string ("" or "?a=b&..."), empty fields left out. */
export function auditQuery(f: AuditFilter): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v !== undefined && v !== '' && v !== null) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** isChange: the row records a change of a row (its changes have "old" and/or "new"). */
export function isChange(changes: unknown): boolean {
  return isObject(changes) && (isObject(changes.old) || isObject(changes.new));
}

export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
  hasBefore: boolean;
  hasAfter: boolean;
  /** The value differs (always so for an update's fields, which list only changed columns). */
  changed: boolean;
}

/** changedFields: each field of a change with its value before and after, by name. */
export function changedFields(changes: unknown): FieldChange[] {
  if (!isObject(changes)) return [];
  const old = isObject(changes.old) ? changes.old : {};
  const nw = isObject(changes.new) ? changes.new : {};
  const keys = [...new Set([...Object.keys(old), ...Object.keys(nw)])].sort();
  return keys.map((field) => {
    const hasBefore = field in old;
    const hasAfter = field in nw;
    return {
      field,
      before: old[field],
      after: nw[field],
      hasBefore,
      hasAfter,
      changed: JSON.stringify(old[field]) !== JSON.stringify(nw[field]),
    };
  });
}
