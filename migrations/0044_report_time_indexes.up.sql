BEGIN;

-- The pharmacy report reads the period's dispenses and stock write-offs by their time.
CREATE INDEX IF NOT EXISTS idx_dispense_dispensed_at ON core_dispense (dispensed_at);
CREATE INDEX IF NOT EXISTS idx_stockmovement_created_at ON core_stockmovement (created_at);
-- The revenue report's aged debts (never cached: they are as of the period's end) read the open
-- bills from the index alone.
CREATE INDEX IF NOT EXISTS idx_bill_open_aged ON core_bill (created_at) INCLUDE (due_date, total_amount, paid_amount)
    WHERE status IN ('pending', 'partially_paid');

COMMIT;
