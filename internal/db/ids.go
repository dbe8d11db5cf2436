package db

import "math"

// MaxID is the largest id a row can have, and the largest value of a reference to one: every
// id column of the schema, and every *_id column referring to one, is integer (int4). A
// larger id names no row, and PostgreSQL (or pgx, encoding it) refuses it, so callers check
// with ValidID before querying: the HTTP layer answers 404 for such a path id and 422 for such
// a filter or body field, never the 500 an overflow would give.
const MaxID = math.MaxInt32

// ValidID says whether id can name a row: 1 to MaxID.
func ValidID(id int64) bool { return id > 0 && id <= MaxID }

// FitsInteger says whether n fits an integer (int4) column: a version number, a filter on an
// id (where 0 and negative values simply match nothing), a reference.
func FitsInteger(n int64) bool { return n >= math.MinInt32 && n <= math.MaxInt32 }
