BEGIN;
DROP TRIGGER IF EXISTS chelal_appointment_ticket ON core_appointment;
DROP FUNCTION IF EXISTS chelal_appointment_ticket();
DROP INDEX IF EXISTS idx_appointment_date_ticket;
ALTER TABLE core_appointment DROP COLUMN IF EXISTS called_room;
ALTER TABLE core_appointment DROP COLUMN IF EXISTS called_at;
ALTER TABLE core_appointment DROP COLUMN IF EXISTS ticket_number;
DROP TABLE IF EXISTS core_displaytoken;
COMMIT;
