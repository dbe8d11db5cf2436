package importer_test

// originalSchema is the original Chelal's database as Django made it, from the seed
// (../shared/seed/000_31908a9a9f5ab9c1.txt): SERIAL keys, timestamps without a zone, DECIMAL
// money, the seed's columns, foreign keys and indexes. The two tables the seed references but
// does not describe are handled as an original may have them: core_medicationcategory exists,
// core_servicecatalog does not (its ids are only named by bill items).
const originalSchema = `
CREATE TABLE core_role (
    id serial PRIMARY KEY,
    name varchar(50) UNIQUE NOT NULL,
    description text
);
CREATE TABLE auth_user (
    id serial PRIMARY KEY,
    username varchar(150) UNIQUE NOT NULL,
    email varchar(254) UNIQUE NOT NULL,
    password varchar(128) NOT NULL,
    first_name varchar(150),
    last_name varchar(150),
    is_active boolean DEFAULT true,
    date_joined timestamp NOT NULL,
    role_id integer REFERENCES core_role (id) ON DELETE SET NULL,
    language_preference varchar(10) DEFAULT 'en',
    preferences jsonb,
    profile_image varchar(100),
    two_factor_enabled boolean DEFAULT false,
    two_factor_secret varchar(64)
);
CREATE TABLE core_patient (
    id serial PRIMARY KEY,
    unique_id varchar(32) UNIQUE NOT NULL,
    first_name varchar(100) NOT NULL,
    last_name varchar(100) NOT NULL,
    date_of_birth date NOT NULL,
    gender varchar(10) NOT NULL,
    contact_info varchar(255),
    address varchar(255),
    known_allergies text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);
CREATE TABLE core_appointment (
    id serial PRIMARY KEY,
    patient_id integer NOT NULL REFERENCES core_patient (id) ON DELETE CASCADE,
    doctor_id integer NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    date date NOT NULL,
    time time NOT NULL,
    status varchar(20) DEFAULT 'scheduled',
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);
CREATE TABLE core_encounter (
    id serial PRIMARY KEY,
    patient_id integer NOT NULL REFERENCES core_patient (id) ON DELETE CASCADE,
    appointment_id integer REFERENCES core_appointment (id) ON DELETE SET NULL,
    doctor_id integer NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    notes text NOT NULL,
    diagnosis text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);
CREATE TABLE core_prescription (
    id serial PRIMARY KEY,
    encounter_id integer NOT NULL REFERENCES core_encounter (id) ON DELETE CASCADE,
    medication_name varchar(255) NOT NULL,
    dosage varchar(100) NOT NULL,
    frequency varchar(100) NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);
CREATE TABLE core_vitals (
    id serial PRIMARY KEY,
    encounter_id integer NOT NULL REFERENCES core_encounter (id) ON DELETE CASCADE,
    systolic_bp integer NOT NULL,
    diastolic_bp integer NOT NULL,
    heart_rate integer NOT NULL,
    respiratory_rate integer NOT NULL,
    temperature decimal NOT NULL,
    oxygen_saturation decimal NOT NULL,
    height decimal,
    weight decimal,
    bmi decimal,
    recorded_at timestamp NOT NULL
);
CREATE TABLE core_inventoryitem (
    id serial PRIMARY KEY,
    name varchar(255) UNIQUE NOT NULL,
    description text,
    quantity integer DEFAULT 0,
    unit varchar(50) DEFAULT 'tablet',
    updated_at timestamp NOT NULL
);
CREATE TABLE core_medicationcategory (
    id serial PRIMARY KEY,
    name varchar(100) UNIQUE NOT NULL,
    description text
);
CREATE TABLE core_medicationitem (
    id serial PRIMARY KEY,
    name varchar(255) UNIQUE NOT NULL,
    description text,
    category_id integer NOT NULL REFERENCES core_medicationcategory (id) ON DELETE CASCADE,
    strength varchar(100) NOT NULL,
    form varchar(100) NOT NULL,
    requires_prescription boolean DEFAULT true,
    stock_quantity integer DEFAULT 0,
    reorder_level integer DEFAULT 10,
    unit_price decimal NOT NULL,
    expiry_date date
);
CREATE TABLE core_bill (
    id serial PRIMARY KEY,
    patient_id integer NOT NULL REFERENCES core_patient (id) ON DELETE CASCADE,
    total_amount decimal NOT NULL,
    paid_amount decimal DEFAULT 0,
    status varchar(20) DEFAULT 'pending',
    created_at timestamp NOT NULL,
    due_date date NOT NULL
);
CREATE TABLE core_billitem (
    id serial PRIMARY KEY,
    bill_id integer NOT NULL REFERENCES core_bill (id) ON DELETE CASCADE,
    service_catalog_id integer NOT NULL,
    quantity integer DEFAULT 1,
    unit_price decimal NOT NULL,
    total_price decimal NOT NULL,
    description text
);
CREATE TABLE core_payment (
    id serial PRIMARY KEY,
    bill_id integer NOT NULL REFERENCES core_bill (id) ON DELETE CASCADE,
    amount decimal NOT NULL,
    payment_method varchar(50) NOT NULL,
    transaction_id varchar(100),
    payment_date timestamp NOT NULL,
    notes text
);
CREATE TABLE core_notification (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    title varchar(255) NOT NULL,
    message text NOT NULL,
    notification_type varchar(50) NOT NULL,
    is_read boolean DEFAULT false,
    created_at timestamp NOT NULL
);
CREATE TABLE core_auditlog (
    id serial PRIMARY KEY,
    user_id integer REFERENCES auth_user (id) ON DELETE SET NULL,
    action varchar(100) NOT NULL,
    model_name varchar(100) NOT NULL,
    object_id integer NOT NULL,
    changes jsonb NOT NULL,
    timestamp timestamp NOT NULL,
    ip_address inet
);
CREATE INDEX idx_patient_name ON core_patient (first_name, last_name);
CREATE INDEX idx_patient_unique_id ON core_patient (unique_id);
CREATE INDEX idx_appointment_date ON core_appointment (date);
CREATE INDEX idx_appointment_doctor_date ON core_appointment (doctor_id, date);
CREATE INDEX idx_appointment_patient ON core_appointment (patient_id);
CREATE INDEX idx_encounter_patient ON core_encounter (patient_id);
CREATE INDEX idx_encounter_doctor ON core_encounter (doctor_id);
CREATE INDEX idx_encounter_date ON core_encounter (created_at);
CREATE INDEX idx_audit_user ON core_auditlog (user_id);
CREATE INDEX idx_audit_timestamp ON core_auditlog (timestamp);
CREATE INDEX idx_audit_model ON core_auditlog (model_name, object_id);
`
