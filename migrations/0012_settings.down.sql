BEGIN;
DELETE FROM core_rolepermission WHERE permission = 'settings.write';
COMMIT;
