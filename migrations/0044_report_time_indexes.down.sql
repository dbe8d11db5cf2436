BEGIN;
DROP INDEX IF EXISTS idx_stockmovement_created_at;
DROP INDEX IF EXISTS idx_dispense_dispensed_at;
COMMIT;
