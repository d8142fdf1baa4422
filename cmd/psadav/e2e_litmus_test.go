package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// litmus tests generic WebDAV: each suite starts by creating a plain
// collection "litmus/" inside the URL it is given. psadav's collections are
// CardDAV address books and CalDAV calendars, which must not contain
// collections (RFC 6352 §5.2, RFC 4791 §4.2), and which collections a user
// has is the administrator's decision, so that MKCOL is refused with 403
// and the suites stop after "begin". No CalDAV/CardDAV client creates
// collections inside a collection. This test records exactly that outcome,
// so any change of it is noticed.

var litmusResult = regexp.MustCompile(`\d+\. (\w+)\.+ (pass|FAIL|SKIPPED|WARNING)`)

func TestLitmusBasicAndProps(t *testing.T) {
	litmus := requireTool(t, "litmus")
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		for _, suite := range []string{"basic", "props"} {
			os.Setenv("TESTS", suite)
			out, _ := srv.try("", litmus, "-k", srv.url+"/dav/addressbooks/"+tech1+"/contacts/", tech1, tech1Password)
			os.Unsetenv("TESTS")
			got := map[string]string{}
			for _, m := range litmusResult.FindAllStringSubmatch(out, -1) {
				got[m[1]] = m[2]
			}
			if got["init"] != "pass" || got["begin"] != "FAIL" || !strings.Contains(out, "403 Forbidden") {
				t.Fatalf("litmus %s: expected init to pass and begin to be refused with 403 (collections cannot be created):\n%s", suite, out)
			}
			t.Logf("litmus %s: %v (begin: MKCOL of a collection inside an address book is refused by design)", suite, got)
		}
	})
}
