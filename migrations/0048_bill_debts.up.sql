-- 0048_bill_debts: the revenue report's outstanding and aged debts read from a summary of the
-- open bills instead of every open bill (issue 19).
--
-- core_billdebt holds, per UTC day of a bill's created_at and its due date, what the open bills
-- (pending or partially paid) owe (total_amount - paid_amount, NUMERIC) and how many they are.
-- It is kept by the statement triggers below in the same transaction as any change of a bill
-- (a new bill, a line or a credit changing its total, a payment, a cancellation, a new due
-- date, an import's INSERT ... SELECT): each statement appends one row per key it changed, the
-- new rows' contribution minus the old rows'. Writers only append, so concurrent cashiers never
-- wait for one another on a summary row; internal/reports (CompactDebts, run by the reports
-- service's background loop) folds the rows into one per key from time to time. The sum of a
-- key's rows is, in every snapshot, exactly what its open bills owe.
--
-- A report reads the whole days before the UTC day of its period's end from here (a few
-- thousand rows) and the open bills of that last, partial day live (idx_bill_created_at).
-- A restore copies the table with the bills (the same snapshot); a bulk load with the triggers
-- off (bench/reports) calls chelal_billdebt_rebuild() after it.
BEGIN;

CREATE TABLE IF NOT EXISTS core_billdebt (
    day      date    NOT NULL,
    due_date date    NOT NULL,
    owed     numeric(18,2) NOT NULL,
    bills    bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_billdebt_day ON core_billdebt (day) INCLUDE (due_date, owed, bills);

-- chelal_billdebt appends a statement's change of the open bills' contributions, by key.
CREATE OR REPLACE FUNCTION chelal_billdebt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO core_billdebt (day, due_date, owed, bills)
        SELECT (created_at AT TIME ZONE 'UTC')::date, due_date, sum(total_amount - paid_amount), count(*)
          FROM new_rows WHERE status IN ('pending', 'partially_paid') GROUP BY 1, 2;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO core_billdebt (day, due_date, owed, bills)
        SELECT (created_at AT TIME ZONE 'UTC')::date, due_date, -sum(total_amount - paid_amount), -count(*)
          FROM old_rows WHERE status IN ('pending', 'partially_paid') GROUP BY 1, 2;
    ELSE
        INSERT INTO core_billdebt (day, due_date, owed, bills)
        SELECT day, due_date, sum(owed), sum(bills)::bigint FROM (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, due_date, total_amount - paid_amount AS owed, 1 AS bills
              FROM new_rows WHERE status IN ('pending', 'partially_paid')
            UNION ALL
            SELECT (created_at AT TIME ZONE 'UTC')::date, due_date, -(total_amount - paid_amount), -1
              FROM old_rows WHERE status IN ('pending', 'partially_paid')) x
         GROUP BY 1, 2 HAVING sum(owed) <> 0 OR sum(bills) <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION chelal_billdebt_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM core_billdebt;
    RETURN NULL;
END $$;

-- chelal_billdebt_rebuild recomputes the summary from the bills (their writers wait meanwhile).
CREATE OR REPLACE FUNCTION chelal_billdebt_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE core_bill IN SHARE MODE;
    DELETE FROM core_billdebt;
    INSERT INTO core_billdebt (day, due_date, owed, bills)
    SELECT (created_at AT TIME ZONE 'UTC')::date, due_date, sum(total_amount - paid_amount), count(*)
      FROM core_bill WHERE status IN ('pending', 'partially_paid') GROUP BY 1, 2;
END $$;

DROP TRIGGER IF EXISTS chelal_billdebt_ins ON core_bill;
CREATE TRIGGER chelal_billdebt_ins AFTER INSERT ON core_bill REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_billdebt();
DROP TRIGGER IF EXISTS chelal_billdebt_upd ON core_bill;
CREATE TRIGGER chelal_billdebt_upd AFTER UPDATE ON core_bill REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_billdebt();
DROP TRIGGER IF EXISTS chelal_billdebt_del ON core_bill;
CREATE TRIGGER chelal_billdebt_del AFTER DELETE ON core_bill REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_billdebt();
DROP TRIGGER IF EXISTS chelal_billdebt_truncate ON core_bill;
CREATE TRIGGER chelal_billdebt_truncate AFTER TRUNCATE ON core_bill
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_billdebt_truncate();

SELECT chelal_billdebt_rebuild();

COMMIT;
