BEGIN;
CREATE OR REPLACE FUNCTION chelal_event_kind(model text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE model
        WHEN 'core_patient' THEN 'patient'
        WHEN 'core_appointment' THEN 'appointment'
        WHEN 'core_encounter' THEN 'encounter'
        WHEN 'core_encounteraddendum' THEN 'encounter'
        WHEN 'core_vitals' THEN 'vitals'
        WHEN 'core_prescription' THEN 'prescription'
        WHEN 'core_dispense' THEN 'dispense'
        WHEN 'core_medicationitem' THEN 'stock'
        WHEN 'core_medicationcategory' THEN 'stock'
        WHEN 'core_stockbatch' THEN 'stock'
        WHEN 'core_stockalert' THEN 'stock'
        WHEN 'core_inventoryitem' THEN 'stock'
        WHEN 'core_bill' THEN 'bill'
        WHEN 'core_billitem' THEN 'bill'
        WHEN 'core_payment' THEN 'bill'
        WHEN 'core_servicecatalog' THEN 'service'
        WHEN 'core_notification' THEN 'notification'
        WHEN 'core_setting' THEN 'settings'
        WHEN 'auth_user' THEN 'user'
        WHEN 'core_role' THEN 'role'
        WHEN 'core_rolepermission' THEN 'role'
        WHEN 'core_telemedicinesession' THEN 'appointment'
        WHEN 'core_displaytoken' THEN 'display'
    END
$$;
DROP TABLE IF EXISTS core_eventkind;
DROP TABLE IF EXISTS core_diagnosisfavourite;
DROP TABLE IF EXISTS core_encounterdiagnosis;
DROP FUNCTION IF EXISTS chelal_encounterdiagnosis_patient();
DROP TABLE IF EXISTS core_icd10code;
COMMIT;
