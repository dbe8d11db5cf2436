BEGIN;

-- The pharmacy report reads the period's dispenses and stock write-offs by their time.
CREATE INDEX IF NOT EXISTS idx_dispense_dispensed_at ON core_dispense (dispensed_at);
CREATE INDEX IF NOT EXISTS idx_stockmovement_created_at ON core_stockmovement (created_at);

COMMIT;
