-- 0006_telemedicine down (the table's triggers go with it).
BEGIN;

DROP TABLE IF EXISTS core_telemedicinesession;

COMMIT;
