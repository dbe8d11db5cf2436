-- 0010_billing: money that adds up. The database itself keeps every bill's total_amount equal
-- to the sum of its items and its paid_amount equal to the sum of its payments (triggers
-- maintain both, a deferred constraint trigger refuses any transaction that leaves them
-- otherwise), derives the status from the amounts, and keeps items and payments as history:
-- they are never edited or removed; a correction after a payment is a credit line.
--
--   core_bill      + who opened it, cancellation (reason, who, when; only without payments)
--   core_billitem  + kind (service, consultation, medication, credit; credits are negative),
--                    source/source_id of an automatic line (charged once), when and by whom
--   core_payment   + who took it, the client's Idempotency-Key, a receipt number
BEGIN;

-- Bills ----------------------------------------------------------------------------------

ALTER TABLE core_bill
    -- RESTRICT: who opened a bill is part of the financial record. NULL: opened by the system
    -- (an automatic line) or before this migration.
    ADD COLUMN created_by    integer REFERENCES auth_user (id) ON DELETE RESTRICT,
    ADD COLUMN cancel_reason text,
    ADD COLUMN cancelled_at  timestamptz,
    -- RESTRICT: who cancelled a bill must stay known.
    ADD COLUMN cancelled_by  integer REFERENCES auth_user (id) ON DELETE RESTRICT,
    ADD CONSTRAINT core_bill_cancel_check CHECK (
        (status = 'cancelled') = (cancelled_at IS NOT NULL)
        AND (status <> 'cancelled' OR (paid_amount = 0 AND btrim(coalesce(cancel_reason, '')) <> ''))),
    ADD CONSTRAINT core_bill_cancel_reason_length CHECK (length(cancel_reason) <= 1000),
    -- The status follows the amounts (the trigger chelal_bill_status sets it).
    ADD CONSTRAINT core_bill_status_amounts_check CHECK (
        status NOT IN ('pending', 'partially_paid', 'paid')
        OR status = CASE WHEN paid_amount = 0 THEN 'pending'
                         WHEN paid_amount < total_amount THEN 'partially_paid'
                         ELSE 'paid' END);
CREATE INDEX idx_bill_created_by ON core_bill (created_by);
CREATE INDEX idx_bill_cancelled_by ON core_bill (cancelled_by);
-- The cashier's list: bills still owed, newest (highest id) first.
CREATE INDEX idx_bill_open ON core_bill (id) WHERE status IN ('pending', 'partially_paid');
-- The daily report: bills opened and patients registered on a day.
CREATE INDEX idx_bill_created_at ON core_bill (created_at);
CREATE INDEX idx_patient_created_at ON core_patient (created_at);

-- Bill items -----------------------------------------------------------------------------

ALTER TABLE core_billitem
    -- Medication lines and credits have no catalog service.
    ALTER COLUMN service_catalog_id DROP NOT NULL,
    ADD COLUMN kind        varchar(20) NOT NULL DEFAULT 'service',
    ADD COLUMN source      varchar(20),
    ADD COLUMN source_id   integer,
    ADD COLUMN created_at  timestamptz NOT NULL DEFAULT now(),
    -- RESTRICT: who charged a line is part of the financial record; NULL: the system.
    ADD COLUMN created_by  integer REFERENCES auth_user (id) ON DELETE RESTRICT,
    DROP CONSTRAINT core_billitem_unit_price_check,
    DROP CONSTRAINT core_billitem_total_price_check,
    ADD CONSTRAINT core_billitem_kind_check
        CHECK (kind IN ('service', 'consultation', 'medication', 'credit')),
    -- A credit is negative; every other line is not.
    ADD CONSTRAINT core_billitem_unit_price_check
        CHECK (CASE WHEN kind = 'credit' THEN unit_price < 0 ELSE unit_price >= 0 END),
    ADD CONSTRAINT core_billitem_total_price_check CHECK (total_price = quantity * unit_price),
    ADD CONSTRAINT core_billitem_service_check
        CHECK (kind NOT IN ('service', 'consultation') OR service_catalog_id IS NOT NULL),
    ADD CONSTRAINT core_billitem_credit_check
        CHECK (kind <> 'credit' OR (quantity = 1 AND service_catalog_id IS NULL)),
    -- A line without a catalog service (medication, credit) says what it is.
    ADD CONSTRAINT core_billitem_description_check
        CHECK (service_catalog_id IS NOT NULL OR btrim(coalesce(description, '')) <> ''),
    ADD CONSTRAINT core_billitem_description_length CHECK (length(description) <= 500),
    ADD CONSTRAINT core_billitem_source_check CHECK (
        (source IS NULL) = (source_id IS NULL) AND (source IS NULL OR source IN ('encounter', 'dispense')));
CREATE INDEX idx_billitem_created_by ON core_billitem (created_by);
-- An automatic line (an encounter's consultation fee, a dispense's medication) is charged once.
CREATE UNIQUE INDEX idx_billitem_source ON core_billitem (source, source_id) WHERE source IS NOT NULL;
-- The daily report's dispensed items.
CREATE INDEX idx_billitem_created_at ON core_billitem (created_at) WHERE kind = 'medication';

-- Payments -------------------------------------------------------------------------------

CREATE SEQUENCE core_payment_receipt_number_seq;

ALTER TABLE core_payment
    -- RESTRICT: who took money is part of the cash record. NULL only before this migration.
    ADD COLUMN received_by     integer REFERENCES auth_user (id) ON DELETE RESTRICT,
    ADD COLUMN idempotency_key varchar(100),
    ADD COLUMN receipt_number  bigint NOT NULL DEFAULT nextval('core_payment_receipt_number_seq'),
    ADD CONSTRAINT core_payment_idempotency_key_check CHECK (btrim(idempotency_key) <> ''),
    ADD CONSTRAINT core_payment_transaction_id_length CHECK (length(transaction_id) <= 100),
    ADD CONSTRAINT core_payment_notes_length CHECK (length(notes) <= 1000);
ALTER SEQUENCE core_payment_receipt_number_seq OWNED BY core_payment.receipt_number;
CREATE UNIQUE INDEX idx_payment_receipt_number ON core_payment (receipt_number);
-- A retried request (same Idempotency-Key) finds the payment it made instead of paying twice.
CREATE UNIQUE INDEX idx_payment_idempotency_key ON core_payment (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX idx_payment_received_by ON core_payment (received_by);

-- The rules ------------------------------------------------------------------------------

-- chelal_bill_status derives a live bill's status from its amounts, and keeps a cancelled bill
-- cancelled.
CREATE FUNCTION chelal_bill_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'bill % is cancelled', OLD.id USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.status IN ('pending', 'partially_paid', 'paid') THEN
        NEW.status := CASE WHEN NEW.paid_amount = 0 THEN 'pending'
                           WHEN NEW.paid_amount < NEW.total_amount THEN 'partially_paid'
                           ELSE 'paid' END;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER chelal_bill_status BEFORE INSERT OR UPDATE ON core_bill
    FOR EACH ROW EXECUTE FUNCTION chelal_bill_status();

-- chelal_billitem_guard: no line on a cancelled bill, and once money was taken only credits
-- (what was paid for is history). It locks the bill, so a line and a payment never interleave.
CREATE FUNCTION chelal_billitem_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_paid   numeric;
BEGIN
    SELECT status, paid_amount INTO v_status, v_paid FROM core_bill WHERE id = NEW.bill_id FOR UPDATE;
    IF v_status = 'cancelled' THEN
        RAISE EXCEPTION 'bill % is cancelled', NEW.bill_id USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF v_paid > 0 AND NEW.kind <> 'credit' THEN
        RAISE EXCEPTION 'bill % has payments: only credit lines may be added', NEW.bill_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER chelal_billitem_guard BEFORE INSERT ON core_billitem
    FOR EACH ROW EXECUTE FUNCTION chelal_billitem_guard();

-- chelal_payment_guard: no payment on a cancelled bill. It locks the bill: two payments of one
-- bill are applied one after the other, each seeing the other's amount.
CREATE FUNCTION chelal_payment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
BEGIN
    SELECT status INTO v_status FROM core_bill WHERE id = NEW.bill_id FOR UPDATE;
    IF v_status = 'cancelled' THEN
        RAISE EXCEPTION 'bill % is cancelled', NEW.bill_id USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER chelal_payment_guard BEFORE INSERT ON core_payment
    FOR EACH ROW EXECUTE FUNCTION chelal_payment_guard();

-- chelal_bill_recompute sets the amounts of the bills whose items or payments were just added
-- from the sums (exact NUMERIC arithmetic). core_bill's CHECKs then refuse a payment over the
-- total and a credit below what was paid.
CREATE FUNCTION chelal_bill_recompute() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE core_bill b
       SET total_amount = (SELECT coalesce(sum(i.total_price), 0) FROM core_billitem i WHERE i.bill_id = b.id),
           paid_amount  = (SELECT coalesce(sum(p.amount), 0) FROM core_payment p WHERE p.bill_id = b.id)
     WHERE b.id IN (SELECT DISTINCT bill_id FROM added);
    RETURN NULL;
END
$$;
CREATE TRIGGER chelal_bill_recompute AFTER INSERT ON core_billitem
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION chelal_bill_recompute();
CREATE TRIGGER chelal_bill_recompute AFTER INSERT ON core_payment
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION chelal_bill_recompute();

-- chelal_bill_amounts_check refuses, at commit, a bill whose amounts are not the sums of its
-- items and payments (a direct UPDATE of total_amount or paid_amount, a bill inserted with a
-- total and no items).
CREATE FUNCTION chelal_bill_amounts_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_total numeric;
    v_paid  numeric;
BEGIN
    SELECT total_amount, paid_amount INTO v_total, v_paid FROM core_bill WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_total <> (SELECT coalesce(sum(total_price), 0) FROM core_billitem WHERE bill_id = NEW.id)
       OR v_paid <> (SELECT coalesce(sum(amount), 0) FROM core_payment WHERE bill_id = NEW.id) THEN
        RAISE EXCEPTION 'bill %: total_amount must be the sum of its items and paid_amount the sum of its payments', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'core_bill_amounts_sums';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER chelal_bill_amounts_check AFTER INSERT OR UPDATE ON core_bill
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chelal_bill_amounts_check();

-- Items and payments are history: never changed, never removed (chelal_append_only: 0009).
CREATE TRIGGER chelal_append_only BEFORE UPDATE OR DELETE ON core_billitem
    FOR EACH ROW EXECUTE FUNCTION chelal_append_only();
CREATE TRIGGER chelal_append_only BEFORE UPDATE OR DELETE ON core_payment
    FOR EACH ROW EXECUTE FUNCTION chelal_append_only();

COMMIT;
