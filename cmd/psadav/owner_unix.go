//go:build unix

package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"syscall"

	"github.com/psadav/psadav/storage"
)

// checkOwner refuses to let root open a SQLite database another user owns
// (the service user of deploy/psadav.service): the -wal and -shm files
// SQLite creates beside it would be root's, and the server could no longer
// write its own database.
func checkOwner(cfg *config) error {
	if cfg.DatabaseURL != "" || os.Geteuid() != 0 {
		return nil
	}
	path := filepath.Join(cfg.Data, storage.SQLiteFile)
	fi, err := os.Stat(path)
	if err != nil {
		return nil // no database: openStore says so
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	name := fmt.Sprint(st.Uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	return fmt.Errorf("%s belongs to user %s; run psadav as that user (sudo -u %s psadav …), so that the files SQLite "+
		"creates beside it stay writable for the server", path, name, name)
}
