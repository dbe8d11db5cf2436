// Package settings reads the clinic's settings (core_setting: one JSON value per key), with a
// default for each key that has never been set, and is the clinic's clock.
//
// The vocabulary the other packages use:
//   - Get[T](ctx, q, key, default) reads one setting; Load reads them all (the settings page).
//     The keys and their defaults are constants here, beside the code that reads them.
//   - Location is the clinic's time zone (the timezone setting, else the machine's); Today is
//     the clinic's date now, and DateIn a moment's date in a zone. Every "today", day boundary
//     and wall-clock appointment time is read through them, so every domain agrees on the day
//     and none reaches into another for it.
//
// A function that takes a db.Querier reads inside the caller's transaction when given one.
package settings
