-- 0003_pharmacy_models down (the tables' triggers go with them).
BEGIN;

DROP TABLE IF EXISTS core_medicationitem;
DROP TABLE IF EXISTS core_medicationcategory;
DROP TABLE IF EXISTS core_inventoryitem;

COMMIT;
