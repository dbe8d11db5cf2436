BEGIN;
DELETE FROM core_rolepermission WHERE permission = 'telemedicine.join';
DROP TABLE IF EXISTS core_telemedicinelink;
ALTER TABLE core_telemedicinesession DROP COLUMN IF EXISTS participants;
COMMIT;
