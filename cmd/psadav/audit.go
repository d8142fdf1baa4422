package main

import (
	"context"
	"os"
	"os/user"

	"github.com/psadav/psadav/storage"
)

// auditCLI writes an admin command's change to the audit log the console
// shows, as the console's own changes are: the actor is the operating
// system user who ran it ("cli:NAME"), the address "local". A failure to
// write it is reported, not fatal: the change is made.
func auditCLI(ctx context.Context, s *storage.Store, action, target, detail string) {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if err := s.Audit(ctx, storage.AuditEntry{Actor: "cli:" + name, Remote: "local", Action: action, Target: target, Detail: detail}); err != nil {
		os.Stderr.WriteString("psadav: " + err.Error() + "\n")
	}
}
