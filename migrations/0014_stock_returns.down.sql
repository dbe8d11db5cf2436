BEGIN;
ALTER TABLE core_stockmovement DROP CONSTRAINT core_stockmovement_dispense_check;
ALTER TABLE core_stockmovement ADD CONSTRAINT core_stockmovement_dispense_check CHECK ((kind = 'dispense') = (dispense_id IS NOT NULL));
COMMIT;
