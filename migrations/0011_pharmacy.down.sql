BEGIN;
DROP TABLE IF EXISTS core_stockalert;
DROP TABLE IF EXISTS core_inventorymovement;
DROP TABLE IF EXISTS core_stockmovement;
DROP TABLE IF EXISTS core_dispense;
DROP TRIGGER IF EXISTS chelal_stock_guard ON core_inventoryitem;
DROP TRIGGER IF EXISTS chelal_stock_guard ON core_medicationitem;
DROP TABLE IF EXISTS core_stockbatch;
DROP TRIGGER IF EXISTS chelal_touch ON core_inventoryitem;
CREATE TRIGGER chelal_touch BEFORE UPDATE ON core_inventoryitem FOR EACH ROW EXECUTE FUNCTION chelal_touch();
DROP TRIGGER IF EXISTS chelal_touch ON core_medicationitem;
CREATE TRIGGER chelal_touch BEFORE UPDATE ON core_medicationitem FOR EACH ROW EXECUTE FUNCTION chelal_touch();
DROP FUNCTION IF EXISTS chelal_touch_except();
DROP FUNCTION IF EXISTS chelal_inventory_movement_after();
DROP FUNCTION IF EXISTS chelal_inventory_movement_before();
DROP FUNCTION IF EXISTS chelal_stock_guard();
DROP FUNCTION IF EXISTS chelal_stock_movement_after();
DROP FUNCTION IF EXISTS chelal_stock_movement_before();
ALTER TABLE core_inventoryitem
    DROP CONSTRAINT IF EXISTS core_inventoryitem_description_length,
    DROP COLUMN IF EXISTS is_active;
ALTER TABLE core_medicationitem
    DROP CONSTRAINT IF EXISTS core_medicationitem_description_length,
    DROP COLUMN IF EXISTS is_active;
ALTER TABLE core_medicationcategory
    DROP CONSTRAINT IF EXISTS core_medicationcategory_description_length,
    DROP COLUMN IF EXISTS is_active;
COMMIT;
