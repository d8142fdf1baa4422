package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// A backup taken while writes go on, restored into an empty data
// directory, holds every write acknowledged before the backup began, each
// whole (an account with its collections), and the restored database
// serves and takes writes.
func TestBackupDuringWritesRestoresEveryAcknowledgedWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64 // writes 0 … acked-1 are acknowledged
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var failed atomic.Pointer[error]
	writeErr := func() error {
		if e := failed.Load(); e != nil {
			return *e
		}
		return nil
	}
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			login := fmt.Sprintf("w%05d", i)
			if _, err := s.CreateAccount(ctx, login, "password-"+login, nil, storage.DefaultUserSettings()); err != nil {
				failed.Store(&err)
				return
			}
			acked.Store(int64(i + 1))
		}
	}()
	for acked.Load() < 20 && writeErr() == nil {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "psadav-backup.db")
	before := acked.Load()
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for n := acked.Load(); acked.Load() < n+10 && writeErr() == nil; {
		time.Sleep(time.Millisecond) // writes go on after it
	}
	close(stop)
	wg.Wait()
	if err := writeErr(); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a second backup over the first: %v", err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if err := storage.Restore(ctx, backup, restored); err != nil {
		t.Fatal(err)
	}
	r, err := storage.Open(ctx, storage.Options{DataDir: restored, PasswordCost: bcrypt.MinCost, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	accts, err := r.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, a := range accts {
		have[a.Login] = true
		colls, err := r.UserCollections(ctx, a.ID)
		if err != nil || len(colls) == 0 {
			t.Errorf("%s restored without its collections: %v %v", a.Login, colls, err)
		}
	}
	for i := int64(0); i < before; i++ {
		if login := fmt.Sprintf("w%05d", i); !have[login] {
			t.Fatalf("write %s was acknowledged before the backup began and is not in it (%d of %d restored)", login, len(have), before)
		}
	}
	if int64(len(have)) > acked.Load() {
		t.Fatalf("the backup holds %d accounts, only %d were written", len(have), acked.Load())
	}
	if _, err := r.Authenticate(ctx, "w00000", "password-w00000"); err != nil {
		t.Fatalf("a restored login: %v", err)
	}
	if _, err := r.CreateAccount(ctx, "afterrestore", "after-restore-1", nil, storage.DefaultUserSettings()); err != nil {
		t.Fatalf("a write after the restore: %v", err)
	}
	t.Logf("%d writes acknowledged before the backup, %d in it, %d in all", before, len(have), acked.Load())

	// A restore never overwrites a database and takes only a psadav one.
	if err := storage.Restore(ctx, backup, restored); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("restore over a database: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just text that is long enough to look like a header"), 0o600)
	if err := storage.Restore(ctx, junk, t.TempDir()); err == nil {
		t.Fatal("restored a file that is no database")
	}
}

func TestBackupOfPostgreSQLPointsAtPgDump(t *testing.T) {
	s := storagetest.OpenPostgres(t)
	err := s.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if !errors.Is(err, storage.ErrBackupUnsupported) || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v", err)
	}
}

// An admin's open (MustExist) refuses a data directory without a
// database and creates nothing, on both databases.
func TestOpenMustExistCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	_, err := storage.Open(context.Background(), storage.Options{DataDir: dir, MustExist: true})
	if !errors.Is(err, storage.ErrNoDatabase) || !strings.Contains(err.Error(), filepath.Join(dir, storage.SQLiteFile)) {
		t.Fatalf("open of a missing SQLite database: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the data directory was created: %v", err)
	}
	url := storagetest.PostgresURL(t)
	_, err = storage.Open(context.Background(), storage.Options{DatabaseURL: url, MustExist: true})
	if !errors.Is(err, storage.ErrNoDatabase) {
		t.Fatalf("open of an empty PostgreSQL schema: %v", err)
	}
}
