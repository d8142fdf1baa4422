package main

import (
	"regexp"
	"strings"
	"testing"
)

// The first admin and the API tokens come from the CLI.
func TestAdminFlagAndTokens(t *testing.T) {
	for _, db := range dbVariants {
		t.Run(db.name, func(t *testing.T) {
			dbArgs := db.args(t)
			mustCmd(t, "", append(dbArgs, "migrate")...)
			out := mustCmd(t, "pw-admin-1\n", append(dbArgs, "user", "add", "boss", "--password-stdin", "--admin")...)
			if !strings.Contains(out, "boss: admin=on") {
				t.Fatalf("user add --admin:\n%s", out)
			}
			if out := mustCmd(t, "", append(dbArgs, "user", "show", "boss")...); !strings.Contains(out, "admin:        yes") {
				t.Fatalf("user show:\n%s", out)
			}
			// A wrong --admin value changes nothing, not even the other flags.
			if out, err := runCmd(t, "", append(dbArgs, "user", "set", "boss", "--contacts", "all", "--admin", "maybe")...); err == nil {
				t.Fatalf("--admin maybe was taken:\n%s", out)
			}
			if out := mustCmd(t, "", append(dbArgs, "user", "show", "boss")...); !strings.Contains(out, "contacts:     mine") {
				t.Fatalf("a refused user set changed the contacts scope:\n%s", out)
			}
			mustCmd(t, "", append(dbArgs, "user", "set", "boss", "--admin", "off")...)
			if out := mustCmd(t, "", append(dbArgs, "user", "show", "boss")...); !strings.Contains(out, "admin:        no") {
				t.Fatalf("after --admin off:\n%s", out)
			}

			out = mustCmd(t, "", append(dbArgs, "token", "create", "nightly report")...)
			if !regexp.MustCompile(`psadav_[a-z2-7]{32}\n`).MatchString(out) {
				t.Fatalf("token create:\n%s", out)
			}
			if _, err := runCmd(t, "", append(dbArgs, "token", "create", "nightly report")...); err == nil {
				t.Fatal("a second token of the same name was made")
			}
			out = mustCmd(t, "", append(dbArgs, "token", "list")...)
			if !strings.Contains(out, "nightly report") || strings.Contains(out, "psadav_") {
				t.Fatalf("token list (names, never secrets):\n%s", out)
			}
			mustCmd(t, "", append(dbArgs, "token", "revoke", "nightly report")...)
			if _, err := runCmd(t, "", append(dbArgs, "token", "revoke", "nightly report")...); err == nil {
				t.Fatal("revoking a revoked token succeeded")
			}
		})
	}
}
