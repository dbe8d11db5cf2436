-- 0004_billing_system down (the tables' triggers go with them).
BEGIN;

DROP TABLE IF EXISTS core_payment;
DROP TABLE IF EXISTS core_billitem;
DROP TABLE IF EXISTS core_bill;
DROP TABLE IF EXISTS core_servicecatalog;

COMMIT;
