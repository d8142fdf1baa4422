package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrBackupUnsupported: the database is PostgreSQL, whose own tools
// (pg_dump, pg_restore) make consistent copies; README › Backups.
var ErrBackupUnsupported = errors.New("storage: psadav backs up SQLite only; back up PostgreSQL with pg_dump")

// Backup writes a consistent copy of the SQLite database to path, which
// must not exist. It is safe while the server runs: VACUUM INTO reads one
// snapshot in a read transaction (WAL mode), so writers go on and the copy
// holds every transaction committed before it began and none after
// (https://www.sqlite.org/lang_vacuum.html#vacuuminto). The copy is
// written beside path and renamed into place once it is complete and
// checked, so a failed backup never leaves a file that looks like one.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return ErrBackupUnsupported
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists; a backup never overwrites a file", path)
	}
	tmp := path + ".partial"
	os.Remove(tmp)
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("storage: writing the backup: %w", err)
	}
	if err := checkSQLiteFile(ctx, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("storage: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// Restore puts the SQLite backup at file into dataDir as its database.
// dataDir must hold no database: a restore never overwrites one. The file
// is checked first (SQLite's integrity check, psadav's migration table),
// copied beside its place and renamed into it. The caller migrates it.
func Restore(ctx context.Context, file, dataDir string) error {
	dest := filepath.Join(dataDir, SQLiteFile)
	for _, p := range []string{dest, dest + "-wal", dest + "-shm"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists; restore into an empty data directory (move it away first)", p)
		}
	}
	if err := checkSQLiteFile(ctx, file); err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("storage: creating data directory: %w", err)
	}
	tmp := dest + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("storage: %w", err)
	}
	return syncDir(dataDir)
}

// checkSQLiteFile opens path read-only and makes sure it is a whole SQLite
// database that psadav has migrated.
func checkSQLiteFile(ctx context.Context, path string) error {
	if fi, err := os.Stat(path); err != nil {
		return fmt.Errorf("storage: %w", err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", path)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("storage: opening %s: %w", path, err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	if check != "ok" {
		return fmt.Errorf("%s is damaged: %s", path, check)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("%s is not a psadav database (no migrations recorded)", path)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("storage: copying %s: %w", from, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("storage: %w", err)
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil // not every platform opens directories (Windows)
	}
	defer d.Close()
	d.Sync()
	return nil
}

// checkPostgresSchema is Options.MustExist on PostgreSQL: psadav's
// migration table must exist in the connection's schema and record at
// least one migration.
func (s *Store) checkPostgresSchema(ctx context.Context) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
		ELSE (SELECT count(*) FROM schema_migrations) END`).Scan(&n)
	if err != nil {
		// A missing table makes the inner SELECT fail to plan on some
		// versions; either way there is no psadav schema to use.
		return fmt.Errorf("%w in this PostgreSQL database", ErrNoDatabase)
	}
	if n == 0 {
		return fmt.Errorf("%w in this PostgreSQL database", ErrNoDatabase)
	}
	return nil
}
