//go:build !desktop

package cli

import "context"

// errNoDesktop is what `chelal` without a sub-command says in a build without the desktop
// window (the static server build): a usage error, exit code 2.
var errNoDesktop = noDesktopError{}

type noDesktopError struct{}

func (noDesktopError) Error() string {
	return "this build has no desktop window; run `chelal serve` and open the address it prints (see `chelal help`)"
}

func (noDesktopError) Is(target error) bool { return target == errUsage }

// runDesktop, in a build without the desktop window, only explains that.
func runDesktop(ctx context.Context, env Env) error {
	return errNoDesktop
}
