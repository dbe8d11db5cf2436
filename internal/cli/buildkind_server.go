//go:build !desktop

package cli

// buildKind is this executable's kind, printed by `chelal version`: an update from file must be
// of the same kind (a Linux desktop replaced by the server build would open no window).
const buildKind = "server"
