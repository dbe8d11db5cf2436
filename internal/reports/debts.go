package reports

import (
	"context"
)

// The revenue report's aged debts read core_billdebt (migration 0048): per UTC day of a bill's
// opening and its due date, what the open bills owe and how many they are. The triggers of
// core_bill append one row per key a statement changed (writers never wait for one another on
// a summary row); CompactDebts folds them into one row per key.

// CompactDebts folds core_billdebt's rows into one per key (dropping the keys that owe nothing
// and count no bill) and says how many rows it removed. The rows a concurrent writer appends
// meanwhile are not in its snapshot and stay as they are, so the sums never change.
func (s *Service) CompactDebts(ctx context.Context) (int64, error) {
	var before, after int64
	err := s.db.Pool.QueryRow(ctx, `
		WITH d AS (DELETE FROM core_billdebt RETURNING day, due_date, owed, bills),
		     i AS (INSERT INTO core_billdebt (day, due_date, owed, bills)
		           SELECT day, due_date, sum(owed), sum(bills) FROM d GROUP BY day, due_date
		           HAVING sum(owed) <> 0 OR sum(bills) <> 0 RETURNING 1)
		SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM i)`).Scan(&before, &after)
	return before - after, err
}
