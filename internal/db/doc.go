// Package db owns Chelal's PostgreSQL: the bundled server's lifecycle, the connection pool,
// migrations, and the one transaction helper every change goes through. It is also the
// vocabulary every domain package (patients, appointments, clinical, billing, pharmacy, ...)
// speaks to the database with; a new domain starts from it rather than from a copy:
//
//   - Writing: DB.InTx(ctx, actor, fn) runs fn in one transaction, the actor's user and
//     address set for the audit trigger. Every change goes through it.
//   - Reading: a function that may run on the pool or inside the caller's transaction takes a
//     Querier (a pool, a connection and a transaction all are one). A read that must see one
//     moment (a report whose totals agree with its lines, a backup) runs in a Snapshot
//     (BeginSnapshot when the transaction must outlive a closure): read-only, REPEATABLE READ.
//   - Lists: a list answers a Page[T] (its items and the next page's cursor; the OpenAPI
//     document names it PageT). PageRequest (or PageLimit and DecodeCursor) reads the limit and
//     cursor asked; Where gathers the optional filters with numbered placeholders; QueryPage
//     runs the query with LIMIT n+1 and cuts the page (CollectPage or NewPage when the rows are
//     at hand), its cursor being EncodeCursor of the last id or EncodeKeyCursor of a sort key
//     such as a name. The Check* forms add to an apperr.Fields for functions that report every
//     bad field at once.
//   - Editing one record: Edit(ctx, d, actor, lock, change, read) is the change of one row in
//     one transaction: lock it (SELECT ... FOR UPDATE, checked with AtVersion), change it,
//     read it back as the caller answers it.
//   - One row: OrNotFound turns a read by id that found nothing into apperr.ErrNotFound;
//     AtVersion checks a row an edit locked (SELECT ... FOR UPDATE) against the version the
//     edit was made on: no row is a 404, another version the stale-version conflict.
//   - Failures: IsUnique(err, constraint...), IsForeignKey, IsCheck and IsSerialization say
//     which violation a statement met, so a domain answers a field error or a conflict
//     instead of testing SQLSTATE codes by hand; IsUnavailable says the server is away.
//   - Rows as structs: a table's fields are written once, in a struct with `db` tags
//     (embedding the struct a form edits). Columns[T] is its select or RETURNING list, RowTo
//     scans it (with pgx.CollectRows or pgx.CollectExactlyOneRow), Assignments gives an
//     INSERT's or UPDATE's columns and values. internal/patients is the example: its SQL
//     names no column of the record, so a new field is a migration and a struct field.
//     CollectMap reads a lookup of two columns (names by id) into a map.
//   - Ids: ValidID and FitsInteger before a value goes to an integer column; EscapeLike for
//     user input inside a LIKE pattern.
//
// Why not sqlc: a generator would write the same column lists and scans into generated
// structs, one per query, next to the API's own types (Patient, Demographics), which the
// OpenAPI document, the JSON and the validation are built from; mapping between the two
// would add back the touch points it removes. The fixed queries of patients are few (insert,
// update, select by id); the others (search, duplicates, lists with optional filters) are
// assembled at run time, which sqlc does not handle. Deriving the lists from the API structs'
// tags removes the same code without a second set of types or a build step.
package db
