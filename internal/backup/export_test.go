package backup

// Hooks for the package's external tests.

// SetScryptWorkFactor makes encrypted backups cheap to open (thousands of them in a test).
func SetScryptWorkFactor(n int) { scryptWorkFactor = n }

// SealMember is the seal of a format 2 backup, for tests that rebuild a file.
var SealMember = sealMember
