-- 0028_patient_national_id: the patient's national identity number (clinics ask for it on
-- registration; ministries' returns and insurers use it). Optional: many patients have none.
ALTER TABLE core_patient ADD COLUMN IF NOT EXISTS national_id varchar(50);
