package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"chelal/internal/db"
	"chelal/internal/i18n"
)

// CSVColumns are the audit export's columns, in order; each is written in the reader's language
// through the catalog key "csv.audit.<column>" (CSVHeader).
var CSVColumns = []string{"id", "time", "user", "action", "table", "record_id", "ip_address", "before", "after", "details"}

// CSVHeader is the first line of the audit export in language l.
func CSVHeader(l i18n.Lang) []string {
	out := make([]string, len(CSVColumns))
	for i, c := range CSVColumns {
		out[i] = l.T("csv.audit." + c)
	}
	return out
}

// csvTimeLayout writes the time in the clinic's zone with its offset, so the file is
// unambiguous wherever it is opened.
const csvTimeLayout = "2006-01-02 15:04:05 -07:00"

// WriteCSV streams every row matching f (Limit and Cursor are ignored), newest first, to w as
// CSV: the header in l, times in loc, the before and after values of a change as JSON objects, and the
// changes of rows that are not a change (a login, a chart opened) as details. A cell a
// spreadsheet would run as a formula is escaped (CSVSafe). Nothing is written when the query
// fails; a failure after the first row leaves a truncated file and is returned.
func WriteCSV(ctx context.Context, q db.Querier, f Filter, loc *time.Location, l i18n.Lang, w io.Writer) error {
	where := f.where()
	rows, err := q.Query(ctx, selectRows+where.SQL()+" ORDER BY a.id DESC", where.Args()...)
	if err != nil {
		return fmt.Errorf("audit csv: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader(l)); err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return fmt.Errorf("audit csv: %w", err)
		}
		before, after, details := splitChanges(r.Changes)
		user := ""
		if r.Username != nil {
			user = *r.Username
		}
		ip := ""
		if r.IPAddress != nil {
			ip = *r.IPAddress
		}
		record := []string{strconv.FormatInt(r.ID, 10), r.Timestamp.In(loc).Format(csvTimeLayout), user, r.Action,
			r.ModelName, strconv.FormatInt(r.ObjectID, 10), ip, before, after, details}
		for i, c := range record {
			record[i] = CSVSafe(c)
		}
		if err := cw.Write(record); err != nil {
			return err
		}
		if n++; n%200 == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit csv: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

// splitChanges returns a change's "old" and "new" objects as JSON, and the whole changes
// object when it is not a change (no old and no new).
func splitChanges(raw json.RawMessage) (before, after, details string) {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", "", string(raw)
	}
	old, hasOld := c["old"]
	nw, hasNew := c["new"]
	if !hasOld && !hasNew {
		if len(c) == 0 {
			return "", "", ""
		}
		return "", "", string(raw)
	}
	return string(old), string(nw), ""
}

// CSVSafe keeps a spreadsheet from running a cell as a formula (CSV injection): a cell that
// starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe. (The same rule
// as billing's daily report; kept here so the audit trail depends on no other domain.)
func CSVSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
