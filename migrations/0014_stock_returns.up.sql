-- 0014_stock_returns: medicine a patient brings back goes back on the shelf as a 'return'
-- movement that names the dispense it came from.
BEGIN;
ALTER TABLE core_stockmovement DROP CONSTRAINT core_stockmovement_dispense_check;
ALTER TABLE core_stockmovement ADD CONSTRAINT core_stockmovement_dispense_check
    CHECK ((kind <> 'dispense' OR dispense_id IS NOT NULL) AND (dispense_id IS NULL OR kind IN ('dispense', 'return')));
COMMIT;
