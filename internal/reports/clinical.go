package reports

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/i18n"
)

// Age groups: bands are the groups' lower bounds in years, ascending from 0. The SQL gives an
// encounter's group as width_bucket(age, bands): 1 for the first, len(bands) for the last.

// bandKey is the stable key of group i (0-based) of bands: "0-0", "1-4", ..., "50+".
func bandKey(bands []int, i int) string {
	if i == len(bands)-1 {
		return strconv.Itoa(bands[i]) + "+"
	}
	return fmt.Sprintf("%d-%d", bands[i], bands[i+1]-1)
}

// bandLabel is group i as a return prints it: "<1", "1-4", "50+".
func bandLabel(bands []int, i int) string {
	if i == 0 && len(bands) > 1 {
		return "<" + strconv.Itoa(bands[1])
	}
	return bandKey(bands, i)
}

// sexes are the columns a patient's sex is counted in ("other" and "unknown" together).
var sexes = []string{"male", "female", "other"}

func sexIndex(gender string) int {
	switch gender {
	case "male":
		return 0
	case "female":
		return 1
	}
	return 2
}

// ageSQL is an encounter's patient's age in whole years on the encounter's local date
// ($tz), and ageGroupSQL its group in the bands $bands. A birthday on that date counts: the
// patient is a year older that day. An estimated birth date counts as given.
const ageSQL = `date_part('year', age((e.created_at AT TIME ZONE $3)::date, p.date_of_birth))::int`

const ageGroupSQL = `width_bucket(` + ageSQL + `, $4::int[])`

// isNewSQL says an encounter is the patient's first at the clinic (a new visit); any later
// one is a repeat visit.
const isNewSQL = `NOT EXISTS (SELECT 1 FROM core_encounter e2 WHERE e2.patient_id = e.patient_id
	AND (e2.created_at < e.created_at OR (e2.created_at = e.created_at AND e2.id < e.id)))`

func n(v int64) string { return strconv.FormatInt(v, 10) }

// attCounts are attendance's sums: byGroup[group][sex][new?0:1], by doctor and by day
// (new, repeat), and the total.
type attCounts struct {
	byGroup  [][3][2]int64
	byDoctor map[int64]*[2]int64
	byDay    map[string]*[2]int64
	total    [2]int64
}

func newAttCounts(bands []int) *attCounts {
	return &attCounts{byGroup: make([][3][2]int64, len(bands)), byDoctor: map[int64]*[2]int64{}, byDay: map[string]*[2]int64{}}
}

func addPair(m map[string]*[2]int64, k string, i int, c int64) {
	if m[k] == nil {
		m[k] = &[2]int64{}
	}
	m[k][i] += c
}

func (a *attCounts) doctor(id int64, i int, c int64) {
	if a.byDoctor[id] == nil {
		a.byDoctor[id] = &[2]int64{}
	}
	a.byDoctor[id][i] += c
}

func attendance(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, r *Report) error {
	rows, err := tx.Query(ctx, `
		WITH v AS (
			SELECT e.doctor_id, (e.created_at AT TIME ZONE $3)::date AS day, p.gender, `+ageGroupSQL+` AS grp,
			       `+isNewSQL+` AS is_new
			  FROM core_encounter e JOIN core_patient p ON p.id = e.patient_id
			 WHERE e.created_at >= $1 AND e.created_at < $2)
		SELECT grouping(grp, gender, doctor_id, day)::int, coalesce(grp, 0), coalesce(gender, ''), coalesce(doctor_id, 0),
		       coalesce(day::text, ''), is_new, count(*)
		  FROM v GROUP BY GROUPING SETS ((grp, gender, is_new), (doctor_id, is_new), (day, is_new))`,
		p.Start, p.End, p.Zone, bands)
	if err != nil {
		return err
	}
	a := newAttCounts(bands)
	for rows.Next() {
		var g, grp int
		var gender, day string
		var doctor, count int64
		var isNew bool
		if err := rows.Scan(&g, &grp, &gender, &doctor, &day, &isNew, &count); err != nil {
			return err
		}
		k := 1
		if isNew {
			k = 0
		}
		switch {
		case grp > 0: // (group, gender)
			a.byGroup[grp-1][sexIndex(gender)][k] += count
			a.total[k] += count
		case day != "":
			addPair(a.byDay, day, k, count)
		default:
			a.doctor(doctor, k, count)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return renderAttendance(ctx, tx, l, p, bands, a, r)
}

// attendanceItemsSQL is attendance's items per day (daycache.go): [0, group, sex, 0, new, count]
// by group and sex, [1, 0, "", doctor, new, count] by doctor.
const attendanceItemsSQL = `
	WITH v AS (
		SELECT e.doctor_id, (e.created_at AT TIME ZONE $3)::date AS day, p.gender, ` + ageGroupSQL + ` AS grp,
		       ` + isNewSQL + ` AS is_new
		  FROM core_encounter e JOIN core_patient p ON p.id = e.patient_id
		 WHERE e.created_at >= $1 AND e.created_at < $2)
	SELECT day, jsonb_build_array(grouping(grp, gender, doctor_id), coalesce(grp, 0), coalesce(gender, ''),
	                              coalesce(doctor_id, 0), is_new, count(*)) AS item
	  FROM v GROUP BY GROUPING SETS ((day, grp, gender, is_new), (day, doctor_id, is_new))`

// attendanceFromItems sums the days' items the way attendance sums its rows.
func attendanceFromItems(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, items []dayItem, r *Report) error {
	a := newAttCounts(bands)
	for _, it := range items {
		if len(it.vals) != 6 {
			return fmt.Errorf("attendance: bad cached item %v", it.vals)
		}
		g, grp, gender, doctor := jsonInt(it.vals[0]), int(jsonInt(it.vals[1])), fmt.Sprint(it.vals[2]), jsonInt(it.vals[3])
		isNew, _ := it.vals[4].(bool)
		count := jsonInt(it.vals[5])
		k := 1
		if isNew {
			k = 0
		}
		switch {
		case g != 1: // by doctor: every encounter once, so also the day's
			a.doctor(doctor, k, count)
			addPair(a.byDay, it.day, k, count)
		case grp > 0:
			a.byGroup[grp-1][sexIndex(gender)][k] += count
			a.total[k] += count
		default: // no age group (as attendance's rows, under doctor 0)
			a.doctor(0, k, count)
		}
	}
	return renderAttendance(ctx, tx, l, p, bands, a, r)
}

// jsonInt is a JSON number as an int64.
func jsonInt(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func renderAttendance(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, a *attCounts, r *Report) error {
	byGroup, byDoctor, byDay, total := a.byGroup, a.byDoctor, a.byDay, a.total
	type pair = [2]int64
	var patients int64
	if err := tx.QueryRow(ctx, `SELECT count(DISTINCT patient_id) FROM core_encounter WHERE created_at >= $1 AND created_at < $2`,
		p.Start, p.End).Scan(&patients); err != nil {
		return err
	}
	r.Figures = []ReportFigure{
		{Key: "visits", Label: l.T("report.visits"), Value: n(total[0] + total[1])},
		{Key: "new", Label: l.T("report.new_visits"), Value: n(total[0])},
		{Key: "repeat", Label: l.T("report.repeat_visits"), Value: n(total[1])},
		{Key: "patients", Label: l.T("report.patients_seen"), Value: n(patients)},
	}

	// By age group and sex: new and repeat visits of each sex, and the group's total.
	sec := ReportSection{Key: "age_sex", Title: l.T("report.by_age_sex"), Chart: "bar"}
	sec.Columns = []ReportColumn{{Key: "total", Label: l.T("report.total")}}
	for _, sx := range sexes {
		for _, nr := range []string{"new", "repeat"} {
			sec.Columns = append(sec.Columns, ReportColumn{Key: nr + "_" + sx, Label: l.T("report.col_"+nr) + " · " + l.T("report.sex_"+sx)})
		}
	}
	for i := range bands {
		row := ReportRow{Key: bandKey(bands, i), Label: bandLabel(bands, i), Values: []string{""}}
		var t int64
		for sx := range sexes {
			row.Values = append(row.Values, n(byGroup[i][sx][0]), n(byGroup[i][sx][1]))
			t += byGroup[i][sx][0] + byGroup[i][sx][1]
		}
		row.Values[0] = n(t)
		sec.Rows = append(sec.Rows, row)
	}
	r.Sections = append(r.Sections, sec)

	// By doctor.
	names, err := userNames(ctx, tx, mapKeys(byDoctor))
	if err != nil {
		return err
	}
	doc := ReportSection{Key: "doctor", Title: l.T("report.by_doctor"), Chart: "bar", Columns: newRepeatColumns(l), Rows: []ReportRow{}}
	for _, id := range mapKeys(byDoctor) {
		c := byDoctor[id]
		doc.Rows = append(doc.Rows, ReportRow{Key: n(id), Label: names[id], Values: []string{n(c[0] + c[1]), n(c[0]), n(c[1])}})
	}
	sortRowsByFirst(doc.Rows)
	r.Sections = append(r.Sections, doc)

	// By day: every day of the period, zero or not.
	days := ReportSection{Key: "day", Title: l.T("report.by_day"), Chart: "line", Columns: newRepeatColumns(l), Rows: []ReportRow{}}
	for _, d := range periodDays(p) {
		c := byDay[d]
		if c == nil {
			c = &pair{}
		}
		days.Rows = append(days.Rows, ReportRow{Key: d, Label: d, Values: []string{n(c[0] + c[1]), n(c[0]), n(c[1])}})
	}
	r.Sections = append(r.Sections, days)
	return nil
}

func newRepeatColumns(l i18n.Lang) []ReportColumn {
	return []ReportColumn{{Key: "total", Label: l.T("report.total")}, {Key: "new", Label: l.T("report.col_new")}, {Key: "repeat", Label: l.T("report.col_repeat")}}
}

func mapKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sortRowsByFirst orders rows by their first value, largest first (then by label).
func sortRowsByFirst(rows []ReportRow) {
	slices.SortStableFunc(rows, func(a, b ReportRow) int {
		x, _ := strconv.ParseFloat(a.Values[0], 64)
		y, _ := strconv.ParseFloat(b.Values[0], 64)
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		if a.Label < b.Label {
			return -1
		}
		if a.Label > b.Label {
			return 1
		}
		return 0
	})
}

// periodDays lists the period's days (YYYY-MM-DD), at most 1100.
func periodDays(p ReportPeriod) []string {
	var out []string
	d, _ := time.Parse(time.DateOnly, p.From)
	for range min(p.Days(), 1100) {
		out = append(out, d.Format(time.DateOnly))
		d = d.AddDate(0, 0, 1)
	}
	return out
}

// userName is the SQL of a user's display name (alias: the auth_user row): "first last",
// else the username, else "".
func userName(alias string) string {
	return `coalesce(nullif(trim(coalesce(` + alias + `.first_name, '') || ' ' || coalesce(` + alias + `.last_name, '')), ''), ` + alias + `.username, '')`
}

// userNames are the display names of users ("first last", else the username).
func userNames(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `
		SELECT u.id, `+userName("u")+` FROM auth_user u WHERE u.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	return db.CollectMap[int64, string](rows)
}

// morbidity is the outpatient morbidity return: each coded diagnosis of the period's
// encounters by age (<5 / 5+ and the groups) and sex, new cases and follow-ups; the top ten.
// morbLine is a code's counts: by <5/5+ and sex, by age group, new cases and follow-ups.
type morbLine struct {
	age      [2][3]int64 // [under5?0:1][sex]
	groups   []int64
	new, fup int64
}

// morbCounts are morbidity's sums.
type morbCounts struct {
	lines                    map[string]*morbLine
	cases, newCases, uncoded int64
}

// add counts count diagnoses of code with these attributes.
func (m *morbCounts) add(bands []int, code string, under5 bool, grp int, gender, episode string, count int64) {
	ln := m.lines[code]
	if ln == nil {
		ln = &morbLine{groups: make([]int64, len(bands))}
		m.lines[code] = ln
	}
	a := 1
	if under5 {
		a = 0
	}
	ln.age[a][sexIndex(gender)] += count
	if grp >= 1 {
		ln.groups[grp-1] += count
	}
	if episode == "follow_up" {
		ln.fup += count
	} else {
		ln.new += count
		m.newCases += count
	}
	m.cases += count
}

// morbidity is the outpatient morbidity return: each coded diagnosis of the period's
// encounters by age (<5 / 5+ and the groups) and sex, new cases and follow-ups; the top ten.
func morbidity(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, r *Report) error {
	rows, err := tx.Query(ctx, `
		SELECT d.code, (`+ageSQL+` < 5) AS under5, `+ageGroupSQL+` AS grp, p.gender, d.episode, count(*)
		  FROM core_encounter e
		  JOIN core_encounterdiagnosis d ON d.encounter_id = e.id
		  JOIN core_patient p ON p.id = e.patient_id
		 WHERE e.created_at >= $1 AND e.created_at < $2 AND d.code IS NOT NULL
		 GROUP BY 1, 2, 3, 4, 5`, p.Start, p.End, p.Zone, bands)
	if err != nil {
		return err
	}
	m := &morbCounts{lines: map[string]*morbLine{}}
	for rows.Next() {
		var code, gender, episode string
		var under5 bool
		var grp int
		var count int64
		if err := rows.Scan(&code, &under5, &grp, &gender, &episode, &count); err != nil {
			return err
		}
		m.add(bands, code, under5, grp, gender, episode, count)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `
		SELECT count(*) FROM core_encounter e
		 WHERE e.created_at >= $1 AND e.created_at < $2 AND `+uncodedSQL,
		p.Start, p.End).Scan(&m.uncoded); err != nil {
		return err
	}
	return renderMorbidity(ctx, tx, l, bands, m, r)
}

// uncodedSQL: the encounter e has a free-text diagnosis and no coded one.
const uncodedSQL = `btrim(coalesce(e.diagnosis, '')) <> ''
	AND NOT EXISTS (SELECT 1 FROM core_encounterdiagnosis d WHERE d.encounter_id = e.id AND d.code IS NOT NULL)`

// morbidityItemsSQL is morbidity's items per day (daycache.go): [0, code, under5, group, sex,
// episode, count] and [1, uncoded encounters].
const morbidityItemsSQL = `
	SELECT (e.created_at AT TIME ZONE $3)::date AS day,
	       jsonb_build_array(0, d.code, ` + ageSQL + ` < 5, ` + ageGroupSQL + `, p.gender, d.episode, count(*)) AS item
	  FROM core_encounter e
	  JOIN core_encounterdiagnosis d ON d.encounter_id = e.id
	  JOIN core_patient p ON p.id = e.patient_id
	 WHERE e.created_at >= $1 AND e.created_at < $2 AND d.code IS NOT NULL
	 GROUP BY 1, d.code, ` + ageSQL + ` < 5, ` + ageGroupSQL + `, p.gender, d.episode
	UNION ALL
	SELECT (e.created_at AT TIME ZONE $3)::date, jsonb_build_array(1, count(*))
	  FROM core_encounter e
	 WHERE e.created_at >= $1 AND e.created_at < $2 AND ` + uncodedSQL + `
	 GROUP BY 1`

// morbidityFromItems sums the days' items the way morbidity sums its rows.
func morbidityFromItems(ctx context.Context, tx pgx.Tx, l i18n.Lang, _ ReportPeriod, bands []int, items []dayItem, r *Report) error {
	m := &morbCounts{lines: map[string]*morbLine{}}
	for _, it := range items {
		v := it.vals
		switch {
		case len(v) == 2:
			m.uncoded += jsonInt(v[1])
		case len(v) == 7:
			under5, _ := v[2].(bool)
			m.add(bands, fmt.Sprint(v[1]), under5, int(jsonInt(v[3])), fmt.Sprint(v[4]), fmt.Sprint(v[5]), jsonInt(v[6]))
		default:
			return fmt.Errorf("morbidity: bad cached item %v", v)
		}
	}
	return renderMorbidity(ctx, tx, l, bands, m, r)
}

func renderMorbidity(ctx context.Context, tx pgx.Tx, l i18n.Lang, bands []int, m *morbCounts, r *Report) error {
	lines, cases, newCases, uncoded := m.lines, m.cases, m.newCases, m.uncoded
	codes := make([]string, 0, len(lines))
	for c := range lines {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	titles, err := codeTitles(ctx, tx, l, codes)
	if err != nil {
		return err
	}
	r.Figures = []ReportFigure{
		{Key: "diagnoses", Label: l.T("report.coded_diagnoses"), Value: n(cases)},
		{Key: "new_cases", Label: l.T("report.new_cases"), Value: n(newCases)},
		{Key: "follow_ups", Label: l.T("report.follow_ups"), Value: n(cases - newCases)},
		{Key: "codes", Label: l.T("report.distinct_codes"), Value: n(int64(len(codes)))},
		{Key: "uncoded", Label: l.T("report.uncoded"), Value: n(uncoded)},
	}
	ret := ReportSection{Key: "return", Title: l.T("report.morbidity_return"), Chart: "none", Rows: []ReportRow{}}
	ret.Columns = []ReportColumn{{Key: "total", Label: l.T("report.total")}}
	for _, a := range []string{"under5", "over5"} {
		for _, sx := range sexes {
			ret.Columns = append(ret.Columns, ReportColumn{Key: a + "_" + sx, Label: l.T("report."+a) + " · " + l.T("report.sex_"+sx)})
		}
	}
	for i := range bands {
		ret.Columns = append(ret.Columns, ReportColumn{Key: "age_" + bandKey(bands, i), Label: bandLabel(bands, i)})
	}
	ret.Columns = append(ret.Columns, ReportColumn{Key: "new", Label: l.T("report.col_new_cases")}, ReportColumn{Key: "follow_up", Label: l.T("report.col_follow_ups")})
	for _, c := range codes {
		ln := lines[c]
		vals := []string{n(ln.new + ln.fup)}
		for a := range 2 {
			for sx := range sexes {
				vals = append(vals, n(ln.age[a][sx]))
			}
		}
		for _, g := range ln.groups {
			vals = append(vals, n(g))
		}
		vals = append(vals, n(ln.new), n(ln.fup))
		ret.Rows = append(ret.Rows, ReportRow{Key: c, Label: c + " " + titles[c], Values: vals})
	}
	top := ReportSection{Key: "top", Title: l.T("report.top_diagnoses"), Chart: "bar",
		Columns: []ReportColumn{{Key: "total", Label: l.T("report.total")}, {Key: "new", Label: l.T("report.col_new_cases")}, {Key: "follow_up", Label: l.T("report.col_follow_ups")}}}
	for _, row := range ret.Rows {
		top.Rows = append(top.Rows, ReportRow{Key: row.Key, Label: row.Label, Values: []string{row.Values[0], row.Values[len(row.Values)-2], row.Values[len(row.Values)-1]}})
	}
	sortRowsByFirst(top.Rows)
	top.Rows = top.Rows[:min(10, len(top.Rows))]
	if top.Rows == nil {
		top.Rows = []ReportRow{}
	}
	r.Sections = append(r.Sections, top, ret)
	return nil
}

// codeTitles are the codes' titles in l (English where l's is missing).
func codeTitles(ctx context.Context, tx pgx.Tx, l i18n.Lang, codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	col := "title_en"
	switch l {
	case i18n.FR:
		col = "coalesce(nullif(title_fr, ''), title_en)"
	case i18n.SW:
		col = "coalesce(nullif(title_sw, ''), title_en)"
	}
	rows, err := tx.Query(ctx, `SELECT code, `+col+` FROM core_icd10code WHERE code = ANY($1)`, codes)
	if err != nil {
		return nil, err
	}
	return db.CollectMap[string, string](rows)
}
