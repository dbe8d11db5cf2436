package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes of the violations a domain turns into its own errors.
const (
	codeUnique        = "23505" // unique_violation
	codeForeignKey    = "23503" // foreign_key_violation
	codeCheck         = "23514" // check_violation
	codeSerialization = "40001" // serialization_failure
)

// Violation is the PostgreSQL error err holds with SQLSTATE code, or nil.
func violation(err error, code string) *pgconn.PgError {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == code {
		return pg
	}
	return nil
}

// constraintMatches says whether pg names one of constraints (any constraint when none is given).
func constraintMatches(pg *pgconn.PgError, constraints []string) bool {
	if pg == nil {
		return false
	}
	if len(constraints) == 0 {
		return true
	}
	for _, c := range constraints {
		if pg.ConstraintName == c {
			return true
		}
	}
	return false
}

// IsUnique says whether err is a unique violation of one of constraints (of any unique
// constraint or index when none is given): the row a domain answers as a conflict.
func IsUnique(err error, constraints ...string) bool {
	return constraintMatches(violation(err, codeUnique), constraints)
}

// IsForeignKey says whether err is a foreign-key violation of one of constraints (any when
// none is given).
func IsForeignKey(err error, constraints ...string) bool {
	return constraintMatches(violation(err, codeForeignKey), constraints)
}

// IsCheck says whether err is a check-constraint violation of one of constraints (any when
// none is given).
func IsCheck(err error, constraints ...string) bool {
	return constraintMatches(violation(err, codeCheck), constraints)
}

// IsSerialization says whether err is a serialization failure: the transaction lost a race
// with another and may be run again.
func IsSerialization(err error) bool { return violation(err, codeSerialization) != nil }

// Constraint is the name of the constraint err violates, "" when err is no violation of one.
// For the few checks that match a family of constraints (a name's suffix).
func Constraint(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName
	}
	return ""
}
