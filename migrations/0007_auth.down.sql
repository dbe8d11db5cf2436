BEGIN;
DROP TABLE IF EXISTS core_recoverycode;
DROP TABLE IF EXISTS core_totpstate;
DROP TABLE IF EXISTS core_loginattempt;
DROP TABLE IF EXISTS core_session;
DROP TABLE IF EXISTS core_rolepermission;
DROP TABLE IF EXISTS core_setting;
COMMIT;
