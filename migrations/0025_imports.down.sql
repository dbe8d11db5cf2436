BEGIN;
DELETE FROM core_rolepermission WHERE permission = 'imports.manage';
DROP TABLE IF EXISTS core_patientalias;
DROP TABLE IF EXISTS core_importrow;
DROP TABLE IF EXISTS core_importrun;
COMMIT;
