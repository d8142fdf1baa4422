package main

import (
	"context"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// Changes made with admin commands reach the audit log the console shows,
// by the operating system user, from "local"; reads write nothing.
func TestAdminCommandsAreAudited(t *testing.T) {
	for _, db := range dbStoreVariants {
		t.Run(db.name, func(t *testing.T) {
			dbArgs, opts := db.open(t)
			mustCmd(t, "", append([]string{"migrate"}, dbArgs...)...)
			mustCmd(t, "", append([]string{"user", "add", "jsmith"}, dbArgs...)...)
			mustCmd(t, "", append([]string{"user", "set", "jsmith", "--contacts", "all"}, dbArgs...)...)
			mustCmd(t, "", append([]string{"user", "list"}, dbArgs...)...)
			mustCmd(t, "", append([]string{"settings", "set", "window-past-days", "30"}, dbArgs...)...)
			mustCmd(t, "", append([]string{"token", "create", "nightly"}, dbArgs...)...)
			if _, err := runCmd(t, "", append([]string{"user", "set", "nobody", "--contacts", "all"}, dbArgs...)...); err == nil {
				t.Fatal("a change of an unknown user succeeded")
			}
			s, err := storage.Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			log, err := s.AuditLog(context.Background(), 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range log {
				if !strings.HasPrefix(e.Actor, "cli:") || e.Remote != "local" {
					t.Errorf("entry %+v: not the command line's", e)
				}
				got = append([]string{e.Action + " " + e.Target}, got...)
			}
			want := "user.add jsmith|user.change jsmith|settings.set window-past-days|token.create nightly"
			if strings.Join(got, "|") != want {
				t.Fatalf("audit log %q, want %q", strings.Join(got, "|"), want)
			}
		})
	}
}
