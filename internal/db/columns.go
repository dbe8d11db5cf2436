package db

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// A struct's `db` tags name its columns, so that a table's fields are written once, in the
// struct, and its SQL never lists them by hand: Columns gives the select (or RETURNING) list,
// RowTo scans a row into the struct by those names (pgx's RowToStructByName), and Assignments
// gives an INSERT's or UPDATE's columns and values. Embedded structs are flattened (a record
// embeds the fields a form edits). Columns and Assignments know only the tagged fields; RowTo,
// like pgx, also wants a column for each exported field without a tag (matched by its name: a
// query's extra "score"), so a field that is no column at all is tagged db:"-".
//
// The tag is the column's name, then options:
//   - nullempty: the column is NULL where Go has the empty string (read through coalesce,
//     written through nullif).
//   - text: the column is read as text (a date kept as a YYYY-MM-DD string).

// column is one db-tagged field.
type column struct {
	name      string
	nullEmpty bool
	text      bool
	index     []int // the field's path through embedded structs
}

var columnCache sync.Map // reflect.Type -> []column

// columnsOf returns the db-tagged fields of struct type t, embedded structs flattened.
func columnsOf(t reflect.Type) []column {
	if c, ok := columnCache.Load(t); ok {
		return c.([]column)
	}
	var cols []column
	var walk func(t reflect.Type, path []int)
	walk = func(t reflect.Type, path []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			p := append(append([]int(nil), path...), i)
			tag, tagged := f.Tag.Lookup("db")
			if f.Anonymous && !tagged && f.Type.Kind() == reflect.Struct {
				walk(f.Type, p)
				continue
			}
			if !tagged || tag == "-" || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			c := column{name: name, index: p}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "nullempty":
					c.nullEmpty = true
				case "text":
					c.text = true
				case "":
				default:
					panic(fmt.Sprintf("db tag of %s.%s: unknown option %q", t, f.Name, o))
				}
			}
			cols = append(cols, c)
		}
	}
	walk(t, nil)
	columnCache.Store(t, cols)
	return cols
}

// Columns is the select (or RETURNING) list of T's columns, each of table alias (may be ""),
// for instance:
//
//	p.id, p.date_of_birth::text AS date_of_birth, coalesce(p.address, '') AS address
func Columns[T any](alias string) string {
	if alias != "" {
		alias += "."
	}
	var b strings.Builder
	for i, c := range columnsOf(reflect.TypeFor[T]()) {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case c.nullEmpty:
			fmt.Fprintf(&b, "coalesce(%s%s, '') AS %s", alias, c.name, c.name)
		case c.text:
			fmt.Fprintf(&b, "%s%s::text AS %s", alias, c.name, c.name)
		default:
			b.WriteString(alias + c.name)
		}
	}
	return b.String()
}

// RowTo scans a row into a T by column names (see Columns), for pgx.CollectRows and
// pgx.CollectExactlyOneRow. Its times are in UTC, as the API writes them.
func RowTo[T any](row pgx.CollectableRow) (T, error) {
	v, err := pgx.RowToStructByName[T](row)
	if err == nil {
		utcTimes(reflect.ValueOf(&v).Elem())
	}
	return v, err
}

// CollectMap reads rows of two columns, a key and its value, into a map: pgx.CollectRows for
// lookups (names by id, ids by record number). It closes rows.
func CollectMap[K comparable, V any](rows pgx.Rows) (map[K]V, error) {
	defer rows.Close()
	out := map[K]V{}
	for rows.Next() {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

var timeType = reflect.TypeFor[time.Time]()

func utcTimes(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == timeType && f.CanSet():
			f.Set(reflect.ValueOf(f.Interface().(time.Time).UTC()))
		case f.Kind() == reflect.Struct && v.Type().Field(i).Anonymous:
			utcTimes(f)
		}
	}
}

// Assign is the columns a write sets and their values (see Assignments).
type Assign struct {
	cols  []column
	args  []any
	first int
}

// Assignments are the db-tagged columns of the structs vs and their values, for an INSERT
// (Names, Values) or an UPDATE (Set). first is the number of the first placeholder ($first):
// the arguments before it are the caller's (an id in the WHERE clause).
func Assignments(first int, vs ...any) Assign {
	a := Assign{first: first}
	for _, v := range vs {
		rv := reflect.ValueOf(v)
		for _, c := range columnsOf(rv.Type()) {
			a.cols = append(a.cols, c)
			a.args = append(a.args, rv.FieldByIndex(c.index).Interface())
		}
	}
	return a
}

// With adds a column that is no field of the structs (a record number, a computed flag).
func (a Assign) With(col string, v any) Assign {
	a.cols = append(a.cols[:len(a.cols):len(a.cols)], column{name: col})
	a.args = append(a.args[:len(a.args):len(a.args)], v)
	return a
}

func (a Assign) value(i int) string {
	if a.cols[i].nullEmpty {
		return fmt.Sprintf("nullif($%d, '')", a.first+i)
	}
	return fmt.Sprintf("$%d", a.first+i)
}

// Names is an INSERT's column list: "first_name, last_name".
func (a Assign) Names() string {
	names := make([]string, len(a.cols))
	for i, c := range a.cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// Values is an INSERT's VALUES list, for instance:
//
//	$1, nullif($2, '')
func (a Assign) Values() string {
	vals := make([]string, len(a.cols))
	for i := range a.cols {
		vals[i] = a.value(i)
	}
	return strings.Join(vals, ", ")
}

// Set is an UPDATE's SET list, for instance:
//
//	first_name = $2, address = nullif($3, '')
func (a Assign) Set() string {
	set := make([]string, len(a.cols))
	for i, c := range a.cols {
		set[i] = c.name + " = " + a.value(i)
	}
	return strings.Join(set, ", ")
}

// Args are the values, in the order of the placeholders.
func (a Assign) Args() []any { return a.args }
