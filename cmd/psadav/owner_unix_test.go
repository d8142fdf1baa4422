//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// root running an admin command on the service user's SQLite database is
// told to run it as that user, and changes nothing.
func TestRootIsToldToRunAsTheDatabaseOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	mustCmd(t, "", "migrate", "--data", dir)
	db := filepath.Join(dir, storage.SQLiteFile)
	if err := os.Chown(db, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := runCmd(t, "", "user", "list", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "sudo -u") || !strings.Contains(err.Error(), db) {
		t.Fatalf("root on another user's database: %v", err)
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		t.Fatal("root opened the database anyway")
	}
}
