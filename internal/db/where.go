package db

import (
	"reflect"
	"strconv"
	"strings"
)

// Where gathers a list's optional filters: their conditions, and their arguments with the
// placeholders numbered in order, so that no domain counts $1, $2 ... by hand.
//
//	var w db.Where
//	if f.Status != "" {
//		w.Add("a.status = $?", f.Status)
//	}
//	w.Filter("a.doctor_id = $?", f.DoctorID) // the same test: nothing when f.DoctorID is 0
//	rows, err := q.Query(ctx, selectX+w.SQL()+" ORDER BY a.id LIMIT "+w.Arg(limit), w.Args()...)
type Where struct {
	conds []string
	args  []any
}

// Arg adds v to the arguments and returns its placeholder ("$3"), for a condition built by
// hand or a LIMIT.
func (w *Where) Arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// Add adds the condition cond, in which $? stands for v's placeholder.
func (w *Where) Add(cond string, v any) {
	w.conds = append(w.conds, strings.ReplaceAll(cond, "$?", w.Arg(v)))
}

// Filter adds cond as Add does when v is given: not its type's zero value (0, "", nil), which
// stands for an optional filter left out.
func (w *Where) Filter(cond string, v any) {
	if v == nil || reflect.ValueOf(v).IsZero() {
		return
	}
	w.Add(cond, v)
}

// Cond adds a condition that takes no new argument (or whose placeholders came from Arg).
func (w *Where) Cond(cond string) { w.conds = append(w.conds, cond) }

// SQL is the WHERE clause, " WHERE (c1) AND (c2)", or "" when there is no condition.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE (" + strings.Join(w.conds, ") AND (") + ")"
}

// Args are the arguments, in the order of their placeholders.
func (w *Where) Args() []any { return w.args }
