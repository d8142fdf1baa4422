package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"golang.org/x/sync/singleflight"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// SQLiteFile is the database file psadav keeps inside its data directory.
const SQLiteFile = "psadav.db"

// Options say where the database is and how the store behaves.
type Options struct {
	// DataDir holds the SQLite database (used when DatabaseURL is empty).
	DataDir string
	// DatabaseURL is a postgres:// URL; it selects PostgreSQL.
	DatabaseURL string
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
	// Logger receives the store's own warnings; slog.Default when nil.
	Logger *slog.Logger
	// QueryTimeout bounds every statement that has no earlier deadline.
	QueryTimeout time.Duration
	// PasswordCost is the bcrypt cost of new password hashes
	// (DefaultPasswordCost when 0; tests use bcrypt's minimum).
	PasswordCost int
	// PasswordWorkers bounds concurrent bcrypt comparisons (one less than
	// the CPUs, at least one, when 0); a few more per worker may wait, the
	// rest get ErrBusy.
	PasswordWorkers int
	// MustExist opens only a database psadav has migrated before: a
	// missing SQLite file (or data directory), or a PostgreSQL database
	// without psadav's schema, is ErrNoDatabase, and nothing is created.
	// Admin commands set it, so a wrong --data never starts an empty system.
	MustExist bool
}

// Store is the database handle. Reads go to db; writes go through Write,
// which on SQLite uses a dedicated single connection (one writer, many
// readers is how SQLite wants to be used) and on PostgreSQL the same pool.
type Store struct {
	db      *bun.DB
	wdb     *bun.DB
	dialect Dialect
	now     func() time.Time
	log     *slog.Logger
	timeout time.Duration

	users  usersCache
	config configCache
	stmts  stmtCache
	wstmts writeStmts

	passwordCost int
	dummyOnce    sync.Once
	dummy        []byte
	// Password work (auth.go): the pool bcrypt runs on, concurrent checks
	// of the same credentials shared, passwords already verified, and a
	// count of bcrypt comparisons (PasswordChecks).
	passwords      *passwordPool
	passwordFlight singleflight.Group
	verified       verifiedCache
	passwordChecks atomic.Int64
	// secretKey keys the hashes of app passwords, API tokens and
	// browser sessions (console_secrets.go).
	secretKey secretKeyCache
	// clientSyncs limits the writes of NoteClientSync (client_syncs.go).
	clientSyncs clientSyncNotes
	// pgURL is the PostgreSQL URL as opened, for the change listener;
	// objects is the GET cache when CacheObjects turned it on.
	pgURL   string
	objects *objectCache
	// schemaMu guards the cached PSA schema (field limits, picklists).
	schemaMu sync.Mutex
	schema   *schemaCache
	// windowRecorded: the calendar window row exists (recordFirstWindow)
	windowRecorded atomic.Bool
	// GET answers served from objectCache, and those it had to read.
	cacheHits, cacheMisses atomic.Int64
}

// Open connects to the database named by opts. It does not migrate; call
// Migrate (psadav serve does) or CheckSchema.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{now: opts.Now, log: opts.Logger, timeout: opts.QueryTimeout, passwordCost: opts.PasswordCost,
		passwords: newPasswordPool(opts.PasswordWorkers)}
	if s.passwordCost == 0 {
		s.passwordCost = DefaultPasswordCost
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	var err error
	if opts.DatabaseURL != "" {
		err = s.openPostgres(opts.DatabaseURL)
	} else {
		err = s.openSQLite(opts.DataDir, opts.MustExist)
	}
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(pingCtx); err != nil {
		s.Close()
		return nil, fmt.Errorf("storage: connecting to %s: %w", s.dialect, err)
	}
	if opts.MustExist && s.dialect == Postgres {
		if err := s.checkPostgresSchema(pingCtx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) openSQLite(dir string, mustExist bool) error {
	if dir == "" {
		return errors.New("storage: no data directory and no database URL")
	}
	path := filepath.Join(dir, SQLiteFile)
	mode := ""
	if mustExist {
		if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("%w at %s", ErrNoDatabase, path)
		}
		mode = "&mode=rw" // never create it, even if it goes away meanwhile
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("storage: creating data directory: %w", err)
	}
	// WAL lets readers run beside the one writer; busy_timeout covers the
	// moments a checkpoint holds the lock. Times are stored as text in one
	// fixed UTC format so that comparisons in SQL order correctly. Reads
	// go through a 64 MiB memory map (cheaper than read calls:
	// docs/performance.md); the mapped pages count in the process's RSS,
	// so the map is kept small.
	base := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(67108864)&_time_format=sqlite" + mode
	rdb, err := sql.Open("sqlite", base)
	if err != nil {
		return fmt.Errorf("storage: opening %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	// The writer takes the lock when its transaction begins, so two writers
	// never deadlock upgrading a read lock.
	wdb, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		rdb.Close()
		return fmt.Errorf("storage: opening %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	s.dialect = SQLite
	s.db = bun.NewDB(rdb, sqlitedialect.New())
	s.wdb = bun.NewDB(wdb, sqlitedialect.New())
	return nil
}

func (s *Store) openPostgres(dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("storage: database URL must be postgres://…")
	}
	q := u.Query()
	if q.Get("sslmode") == "" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "") {
		q.Set("sslmode", "disable")
	}
	// All timestamps are UTC; make the session agree so TIMESTAMP columns
	// round-trip without an offset.
	if q.Get("timezone") == "" {
		q.Set("timezone", "UTC")
	}
	u.RawQuery = q.Encode()
	sqldb, err := sql.Open("pgx", u.String())
	if err != nil {
		return fmt.Errorf("storage: opening PostgreSQL: %w", err)
	}
	// Every connection may stay idle: one closed after a burst is a new
	// backend to start and statements to prepare again on the next (at
	// 16 concurrent clients that churn cost more than the queries).
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(20)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s.dialect = Postgres
	s.pgURL = u.String()
	s.db = bun.NewDB(sqldb, pgdialect.New())
	s.wdb = s.db
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	s.wstmts.close()
	s.stmts.close()
	var err error
	if s.wdb != nil && s.wdb != s.db {
		err = s.wdb.Close()
	}
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
	}
	return err
}

// Dialect reports which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var one int
	return s.db.NewSelect().ColumnExpr("1").Scan(ctx, &one)
}

// bound gives ctx a deadline when it has none, so no statement runs forever.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// isUniqueViolation reports whether err is the database refusing a
// duplicate key: the one driver error this package interprets.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// lockCounterSQL locks the change counter row for the rest of the
// transaction. On SQLite the write transaction already holds the database
// lock (BEGIN IMMEDIATE), so a plain read is enough.
func (s *Store) lockCounterSQL() string {
	if s.dialect == Postgres {
		return "SELECT value, accounts_version FROM change_counter WHERE id = 1 FOR UPDATE"
	}
	return "SELECT value, accounts_version FROM change_counter WHERE id = 1"
}

// leaderLockSQL takes and releases the session-level advisory lock that
// elects the one instance running a named job (PostgreSQL only). The key
// includes the schema, so deployments sharing a server do not contend.
const (
	leaderTrySQL    = "SELECT pg_try_advisory_lock(hashtext($1), hashtext(current_schema()))"
	leaderUnlockSQL = "SELECT pg_advisory_unlock(hashtext($1), hashtext(current_schema()))"
)
