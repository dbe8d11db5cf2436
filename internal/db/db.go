package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ConnectTimeout bounds how long Connect waits for a server that does not answer.
const ConnectTimeout = 10 * time.Second

// DB is a connection pool to Chelal's database.
type DB struct {
	Pool     *pgxpool.Pool
	dsn      string
	embedded *Embedded // nil for an external server
}

// OpenOptions says which PostgreSQL to use.
type OpenOptions struct {
	// ExternalURL, when set, is the external server to use; nothing is started.
	ExternalURL string
	// DataDir is Chelal's data folder; the embedded server lives in DataDir/pg.
	DataDir string
	Logger  *slog.Logger
	// Parameters are extra settings for the embedded server.
	Parameters map[string]string
}

// Open connects to the external server, or starts the embedded one and connects to it.
// Close the DB to stop the embedded server.
func Open(ctx context.Context, o OpenOptions) (*DB, error) {
	if o.ExternalURL != "" {
		return Connect(ctx, o.ExternalURL)
	}
	e, err := StartEmbedded(ctx, EmbeddedOptions{Dir: filepath.Join(o.DataDir, "pg"), Logger: o.Logger, Parameters: o.Parameters})
	if err != nil {
		return nil, err
	}
	d, err := Connect(ctx, e.DSN())
	if err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	d.embedded = e
	// The restarted server is the same address; connections to the dead one are dropped at
	// once rather than each failing one request first.
	e.OnRestart(func(context.Context, Restart) { d.Pool.Reset() })
	return d, nil
}

// Actor is who makes a change and from where; the audit trigger records both.
// The zero Actor is the system itself (migrations, scheduled jobs, the terminal).
type Actor struct {
	UserID int64      // 0: no user
	IP     netip.Addr // invalid: no address (the terminal, the desktop webview)
}

// Connect opens a pool to dsn and checks that the server answers within ConnectTimeout.
func Connect(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database address: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > ConnectTimeout {
		cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "chelal"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database %s: %w", redact(cfg.ConnConfig), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redact(cfg.ConnConfig), err)
	}
	return &DB{Pool: pool, dsn: dsn}, nil
}

// DSN is the connection string the pool was opened with (it holds the password: never log it).
func (d *DB) DSN() string { return d.dsn }

// Embedded is the bundled server this DB started, or nil for an external server.
func (d *DB) Embedded() *Embedded { return d.embedded }

// Close closes the pool and stops the embedded server, if this DB started one.
func (d *DB) Close() error {
	d.Pool.Close()
	if d.embedded != nil {
		return d.embedded.Stop()
	}
	return nil
}

// InTx runs fn in one transaction on behalf of actor: it commits when fn returns nil and rolls
// back otherwise (also on panic). The actor's user id and IP are set as transaction-local
// settings (chelal.user_id, chelal.client_ip) for the audit trigger, so every row a change
// writes and the audit rows that record it commit or vanish together. When ctx carries an
// Idempotency-Key's claim (WithClaim), the claim is marked applied in the same transaction.
func (d *DB) InTx(ctx context.Context, actor Actor, fn func(ctx context.Context, tx pgx.Tx) error) (err error) {
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	uid, ip := "", ""
	if actor.UserID != 0 {
		uid = strconv.FormatInt(actor.UserID, 10)
	}
	if actor.IP.IsValid() {
		ip = actor.IP.Unmap().String()
	}
	if _, err = tx.Exec(ctx, `SELECT set_config('chelal.user_id', $1, true), set_config('chelal.client_ip', $2, true)`, uid, ip); err != nil {
		return fmt.Errorf("set actor: %w", err)
	}
	if err = fn(ctx, tx); err != nil {
		return err
	}
	if err = markClaimApplied(ctx, tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.Pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if one != 1 {
		return errors.New("ping: unexpected answer")
	}
	return nil
}

func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike makes user input literal inside a LIKE pattern (its %, _ and \ escaped with the
// default escape character), e.g. "%" + db.EscapeLike(q) + "%".
func EscapeLike(s string) string { return likeEscaper.Replace(s) }
