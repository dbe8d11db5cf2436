package db

// WithKillAt makes a recovery call f at each of its steps (a test panics there to stop the
// recovery as a kill would).
func WithKillAt(o RecoverOptions, f func(step string)) RecoverOptions {
	o.killAt = f
	return o
}
