BEGIN;
DROP INDEX IF EXISTS idx_loginattempt_client;
ALTER TABLE core_loginattempt DROP COLUMN IF EXISTS kind;
ALTER TABLE core_loginattempt DROP COLUMN IF EXISTS known_device;
ALTER TABLE core_loginattempt DROP COLUMN IF EXISTS client;
DROP TABLE IF EXISTS core_logindevice;
COMMIT;
