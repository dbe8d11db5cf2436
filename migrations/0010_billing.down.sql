BEGIN;
DROP TRIGGER IF EXISTS chelal_append_only ON core_payment;
DROP TRIGGER IF EXISTS chelal_append_only ON core_billitem;
DROP TRIGGER IF EXISTS chelal_bill_amounts_check ON core_bill;
DROP FUNCTION IF EXISTS chelal_bill_amounts_check();
DROP TRIGGER IF EXISTS chelal_bill_recompute ON core_payment;
DROP TRIGGER IF EXISTS chelal_bill_recompute ON core_billitem;
DROP FUNCTION IF EXISTS chelal_bill_recompute();
DROP TRIGGER IF EXISTS chelal_payment_guard ON core_payment;
DROP FUNCTION IF EXISTS chelal_payment_guard();
DROP TRIGGER IF EXISTS chelal_billitem_guard ON core_billitem;
DROP FUNCTION IF EXISTS chelal_billitem_guard();
DROP TRIGGER IF EXISTS chelal_bill_status ON core_bill;
DROP FUNCTION IF EXISTS chelal_bill_status();

DROP INDEX IF EXISTS idx_payment_received_by;
DROP INDEX IF EXISTS idx_payment_idempotency_key;
DROP INDEX IF EXISTS idx_payment_receipt_number;
ALTER TABLE core_payment
    DROP CONSTRAINT IF EXISTS core_payment_notes_length,
    DROP CONSTRAINT IF EXISTS core_payment_transaction_id_length,
    DROP CONSTRAINT IF EXISTS core_payment_idempotency_key_check,
    DROP COLUMN IF EXISTS receipt_number,
    DROP COLUMN IF EXISTS idempotency_key,
    DROP COLUMN IF EXISTS received_by;
DROP SEQUENCE IF EXISTS core_payment_receipt_number_seq;

DROP INDEX IF EXISTS idx_billitem_created_at;
DROP INDEX IF EXISTS idx_billitem_source;
DROP INDEX IF EXISTS idx_billitem_created_by;
-- Lines the seed's schema cannot hold (medication lines, credits) would block the way down:
-- the down migration refuses rather than deleting money records.
ALTER TABLE core_billitem
    DROP CONSTRAINT IF EXISTS core_billitem_source_check,
    DROP CONSTRAINT IF EXISTS core_billitem_description_length,
    DROP CONSTRAINT IF EXISTS core_billitem_description_check,
    DROP CONSTRAINT IF EXISTS core_billitem_credit_check,
    DROP CONSTRAINT IF EXISTS core_billitem_service_check,
    DROP CONSTRAINT IF EXISTS core_billitem_total_price_check,
    DROP CONSTRAINT IF EXISTS core_billitem_unit_price_check,
    DROP CONSTRAINT IF EXISTS core_billitem_kind_check,
    DROP COLUMN IF EXISTS created_by,
    DROP COLUMN IF EXISTS created_at,
    DROP COLUMN IF EXISTS source_id,
    DROP COLUMN IF EXISTS source,
    DROP COLUMN IF EXISTS kind,
    ALTER COLUMN service_catalog_id SET NOT NULL,
    ADD CONSTRAINT core_billitem_unit_price_check CHECK (unit_price >= 0),
    ADD CONSTRAINT core_billitem_total_price_check CHECK (total_price >= 0);

DROP INDEX IF EXISTS idx_patient_created_at;
DROP INDEX IF EXISTS idx_bill_created_at;
DROP INDEX IF EXISTS idx_bill_open;
DROP INDEX IF EXISTS idx_bill_cancelled_by;
DROP INDEX IF EXISTS idx_bill_created_by;
ALTER TABLE core_bill
    DROP CONSTRAINT IF EXISTS core_bill_status_amounts_check,
    DROP CONSTRAINT IF EXISTS core_bill_cancel_reason_length,
    DROP CONSTRAINT IF EXISTS core_bill_cancel_check,
    DROP COLUMN IF EXISTS cancelled_by,
    DROP COLUMN IF EXISTS cancelled_at,
    DROP COLUMN IF EXISTS cancel_reason,
    DROP COLUMN IF EXISTS created_by;
COMMIT;
