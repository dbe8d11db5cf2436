package settings_test

import (
	"context"
	"testing"
	"time"

	"chelal/internal/db/dbtest"
	"chelal/internal/settings"
)

func TestClinicClock(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	// 22:30 UTC on 31 December is already 1 January in Nairobi (UTC+3).
	now := time.Date(2025, 12, 31, 22, 30, 0, 0, time.UTC)

	loc, err := settings.Location(ctx, d.Pool)
	if err != nil || loc != time.Local {
		t.Errorf("no timezone setting: %v, %v; want the machine's zone", loc, err)
	}
	// The zone in effect is named for the UI, never "Local": a workstation in another zone
	// reads the server's today, not its own.
	c, err := settings.Load(ctx, d.Pool)
	if err != nil || c.TimeZone != "" || c.Zone != settings.ZoneName(time.Local) || c.Zone == "Local" || c.Zone == "" {
		t.Errorf("no timezone setting: Load = timezone %q zone %q, %v; want the machine's zone named", c.TimeZone, c.Zone, err)
	}
	if _, err := d.Pool.Exec(ctx, `INSERT INTO core_setting (key, value) VALUES ('timezone', '"Africa/Nairobi"')`); err != nil {
		t.Fatal(err)
	}
	if loc, err = settings.Location(ctx, d.Pool); err != nil || loc.String() != "Africa/Nairobi" {
		t.Fatalf("Location = %v, %v; want Africa/Nairobi", loc, err)
	}
	if c, err := settings.Load(ctx, d.Pool); err != nil || c.Zone != "Africa/Nairobi" {
		t.Errorf("Load: zone %q, %v; want Africa/Nairobi", c.Zone, err)
	}
	today, err := settings.Today(ctx, d.Pool, now)
	if err != nil || today != time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("Today = %v, %v; want 2026-01-01 (midnight UTC)", today, err)
	}
	if got := settings.DateIn(now, time.UTC); got != time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC) {
		t.Errorf("DateIn UTC = %v", got)
	}

	if _, err := d.Pool.Exec(ctx, `UPDATE core_setting SET value = '"Mars/Olympus"' WHERE key = 'timezone'`); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.Today(ctx, d.Pool, now); err == nil {
		t.Error("an unknown zone in the setting: no error")
	}
}
