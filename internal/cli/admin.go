package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"chelal/internal/apperr"
	"chelal/internal/auth"
)

// runAdmin is `chelal admin create|reset-password`: recovery from the server's terminal.
// Physical access to the machine is the recovery path; both actions are audited.
func runAdmin(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usageErr("admin needs create or reset-password")
	}
	fs, cfg := newFlags(env, "admin "+args[0])
	var p auth.CreateUserParams
	var reset2FA bool
	switch args[0] {
	case "create":
		fs.StringVar(&p.Username, "username", "", "the administrator's username (required)")
		fs.StringVar(&p.Email, "email", "", "the administrator's email (required)")
		fs.StringVar(&p.FirstName, "first-name", "", "first name")
		fs.StringVar(&p.LastName, "last-name", "", "last name")
	case "reset-password":
		fs.BoolVar(&reset2FA, "reset-2fa", false, "also turn the user's two-factor authentication off (a lost phone and lost recovery codes)")
	default:
		return usageErr("unknown admin action %q (create, reset-password)", args[0])
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	var username string
	switch args[0] {
	case "create":
		if fs.NArg() != 0 || p.Username == "" || p.Email == "" {
			return usageErr("admin create needs --username and --email (and no other argument)")
		}
		username = p.Username
	case "reset-password":
		if fs.NArg() < 1 {
			return usageErr("admin reset-password needs exactly one username")
		}
		username = fs.Arg(0)
		// Flags may follow the username too: reset-password USER --reset-2fa.
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
		if fs.NArg() != 0 {
			return usageErr("admin reset-password needs exactly one username")
		}
	}
	password, err := readNewPassword(env, username)
	if err != nil {
		return err
	}

	log := newLogger(env, cfg)
	d, dataDir, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	svc, err := newAuth(cfg, d, dataDir)
	if err != nil {
		return err
	}
	var u auth.User
	if args[0] == "create" {
		p.Password = password
		u, err = svc.CreateAdmin(ctx, p)
	} else {
		u, err = svc.ResetLogin(ctx, username, password, reset2FA)
	}
	if err != nil {
		return userError(err)
	}
	if args[0] == "create" {
		fmt.Fprintf(env.Stdout, "administrator %q created (id %d)\n", u.Username, u.ID)
	} else {
		fmt.Fprintf(env.Stdout, "password of %q reset; their sessions were ended\n", u.Username)
		if reset2FA {
			fmt.Fprintf(env.Stdout, "two-factor authentication of %q is off; they can turn it on again from their profile\n", u.Username)
		}
	}
	return nil
}

// readNewPassword asks twice on a terminal (without echo), or reads one line from stdin.
func readNewPassword(env Env, username string) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(env.Stderr, "New password for %s (12 to 128 characters): ", username)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
		return string(a), nil
	}
	if env.Stdin == nil {
		return "", errors.New("no password: give it on standard input")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input; nothing was changed")
	}
	return line, nil
}

// userError turns a domain error into a message for the terminal.
func userError(err error) error {
	msg := apperr.MessageOf(err)
	fields := apperr.FieldsOf(err)
	if msg == "" && len(fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(msg)
	for _, f := range fields {
		if b.Len() > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(f.Field + ": " + f.Message)
	}
	return errors.New(b.String())
}
