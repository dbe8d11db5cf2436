-- 0012_settings: administrators change the clinic's settings (units, slot length, time zone,
-- the pharmacy's expiry warning, billing's automatic lines) from the UI.
BEGIN;
INSERT INTO core_rolepermission (role_id, permission)
SELECT id, 'settings.write' FROM core_role WHERE name = 'admin'
ON CONFLICT DO NOTHING;
COMMIT;
