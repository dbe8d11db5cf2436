-- 0005_notifications down (the table's triggers go with it).
BEGIN;

DROP TABLE IF EXISTS core_notification;

COMMIT;
