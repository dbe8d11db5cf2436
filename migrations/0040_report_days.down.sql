BEGIN;
DO $$
DECLARE
    t text;
    g text;
BEGIN
    FOREACH t IN ARRAY ARRAY['core_encounter', 'core_encounterdiagnosis', 'core_patient', 'core_payment',
                             'core_billitem', 'core_bill'] LOOP
        FOREACH g IN ARRAY ARRAY['lock', 'ins', 'upd', 'del'] LOOP
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'chelal_reportday_' || g, t);
        END LOOP;
    END LOOP;
END $$;
DROP FUNCTION IF EXISTS chelal_reportday_bill();
DROP FUNCTION IF EXISTS chelal_reportday_money();
DROP FUNCTION IF EXISTS chelal_reportday_patient();
DROP FUNCTION IF EXISTS chelal_reportday_diagnosis();
DROP FUNCTION IF EXISTS chelal_reportday_encounter();
DROP FUNCTION IF EXISTS chelal_reportday_forget(timestamptz[]);
DROP FUNCTION IF EXISTS chelal_reportday_lock();
DROP TABLE IF EXISTS core_reportday;
COMMIT;
