BEGIN;
DROP INDEX IF EXISTS idx_medicationitem_generic_name;
ALTER TABLE core_medicationitem DROP CONSTRAINT IF EXISTS core_medicationitem_generic_name_check;
ALTER TABLE core_medicationitem DROP COLUMN IF EXISTS generic_name;
COMMIT;
