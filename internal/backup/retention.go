package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Retention says which backups to keep: every backup of the last KeepAllFor, then the newest
// good backup of each of the last Daily days, Weekly ISO weeks and Monthly months.
type Retention struct {
	KeepAllFor time.Duration
	Daily      int
	Weekly     int
	Monthly    int
}

// DefaultRetention keeps the hourly backups for two days, then 7 daily, 4 weekly, 12 monthly.
var DefaultRetention = Retention{KeepAllFor: 48 * time.Hour, Daily: 7, Weekly: 4, Monthly: 12}

// Prune removes the backups of dir that r does not keep, with their verification records,
// and returns the names it removed. A backup that is not verified good is never what makes
// an older good one go, and the newest good backup is always kept.
func Prune(dir string, r Retention, now time.Time) ([]string, error) {
	all, err := List(dir)
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].CreatedAt.After(all[j].CreatedAt) })
	keep := map[string]bool{}
	days, weeks, months := map[string]bool{}, map[string]bool{}, map[string]bool{}
	newestGood := true
	for _, b := range all {
		good := b.Verification != nil && b.Verification.OK
		if now.Sub(b.CreatedAt) <= r.KeepAllFor || (good && newestGood) {
			keep[b.File] = true
		}
		if !good {
			continue
		}
		newestGood = false
		t := b.CreatedAt.Local()
		day := t.Format(time.DateOnly)
		y, w := t.ISOWeek()
		week := fmt.Sprintf("%d-W%02d", y, w)
		month := t.Format("2006-01")
		if !days[day] && len(days) < r.Daily {
			days[day], keep[b.File] = true, true
		}
		if !weeks[week] && len(weeks) < r.Weekly {
			weeks[week], keep[b.File] = true, true
		}
		if !months[month] && len(months) < r.Monthly {
			months[month], keep[b.File] = true, true
		}
	}
	var removed []string
	for _, b := range all {
		if keep[b.File] {
			continue
		}
		p := filepath.Join(dir, b.File)
		if err := os.Remove(p); err != nil {
			return removed, fmt.Errorf("prune %s: %w", b.File, err)
		}
		_ = os.Remove(p + ".verified.json")
		removed = append(removed, b.File)
	}
	return removed, nil
}
