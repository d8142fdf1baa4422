package dav_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// XML requests never resolve entities: an external entity (XXE) or an
// entity expansion is a malformed body (400), nothing is read or expanded.
func TestXMLEntitiesAreRefused(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		secret := filepath.Join(t.TempDir(), "secret.txt")
		must(t, os.WriteFile(secret, []byte("TOP-SECRET-CONTENT"), 0o600))
		doctype := `<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY xxe SYSTEM "file://` + secret + `">` +
			`<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>`
		for _, c := range []struct{ method, path, body string }{
			{"PROPFIND", "/dav/addressbooks/alice/contacts/", doctype + `<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&xxe;</d:displayname></d:prop></d:propfind>`},
			{"PROPPATCH", "/dav/addressbooks/alice/contacts/", doctype + `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>&xxe;&b;</d:displayname></d:prop></d:set></d:propertyupdate>`},
			{"REPORT", "/dav/addressbooks/alice/contacts/", doctype + `<d:sync-collection xmlns:d="DAV:"><d:sync-token>&xxe;</d:sync-token><d:prop/></d:sync-collection>`},
		} {
			resp, body := e.do(c.method, c.path, "alice", "alice-pw", c.body, "Depth", "0")
			if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "TOP-SECRET") || strings.Contains(body, "aaaaaaaaaaaaaaaaaaaa") {
				t.Errorf("%s with entities: %d %s", c.method, resp.StatusCode, body)
			}
		}
	})
}

// XML request bodies are bounded (1 MiB): larger ones get 413 before they
// are read whole.
func TestXMLRequestBodiesAreBounded(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		props := `<d:prop>` + strings.Repeat(`<d:displayname>x</d:displayname>`, 40000) + `</d:prop>`
		for m, big := range map[string]string{
			"PROPFIND":  `<d:propfind xmlns:d="DAV:">` + props + `</d:propfind>`,
			"PROPPATCH": `<d:propertyupdate xmlns:d="DAV:"><d:set>` + props + `</d:set></d:propertyupdate>`,
			"REPORT":    `<d:sync-collection xmlns:d="DAV:"><d:sync-token/>` + props + `</d:sync-collection>`,
		} {
			resp, body := e.do(m, "/dav/addressbooks/alice/contacts/", "alice", "alice-pw", big, "Depth", "0")
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s of %d bytes: %d %.200s", m, len(big), resp.StatusCode, body)
			}
		}
	})
}
