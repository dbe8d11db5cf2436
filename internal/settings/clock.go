package settings

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"chelal/internal/db"
)

// Location is the clinic's time zone: the timezone setting, or the machine's when none is set.
// Every "today", every day boundary of a report and every wall-clock appointment time is read
// in it, so the whole application agrees on what day it is.
func Location(ctx context.Context, q db.Querier) (*time.Location, error) {
	name, err := Get(ctx, q, TimeZone, "")
	if err != nil || name == "" {
		return time.Local, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("timezone setting %q: %w", name, err)
	}
	return loc, nil
}

// Today is the clinic's date at now (in Location), as midnight UTC: the form a date column
// compares with and time.DateOnly prints.
func Today(ctx context.Context, q db.Querier, now time.Time) (time.Time, error) {
	loc, err := Location(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	return DateIn(now, loc), nil
}

// DateIn is t's date in loc, as midnight UTC.
func DateIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ZoneName is loc's IANA name, as PostgreSQL (AT TIME ZONE) and the UI's Intl read it: the
// machine's zone (time.Local, when the clinic set none) is named by $TZ or the /etc/localtime
// link, else UTC.
func ZoneName(loc *time.Location) string {
	if loc != time.Local {
		return loc.String()
	}
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil && tz != "Local" {
			return tz
		}
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			if _, err := time.LoadLocation(name); err == nil {
				return name
			}
		}
	}
	return "UTC"
}
