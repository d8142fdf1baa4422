package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// zedLines is one person as a client writes him: Zed Quux of Acme, with an
// e-mail address (the duplicate rule's fields).
func zedLines(uid string) []string {
	return []string{"BEGIN:VCARD", "VERSION:3.0", "UID:" + uid, "N:Quux;Zed;;;", "FN:Zed Quux", "ORG:Acme Corporation",
		"EMAIL;TYPE=WORK:zed@acme.example", "END:VCARD"}
}

// uidsIn lists the UIDs of the cards in a local folder, by file name.
func uidsIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\r\n") {
			if uid, ok := strings.CutPrefix(l, "UID:"); ok {
				out[e.Name()] = uid
			}
		}
	}
	return out
}

// Issue 13 §1 with vdirsyncer: two cards of one person in one book, and a
// third in another user's, are linked to one PSA contact; every sync
// exits 0, the second uploads and deletes nothing, the third transfers
// nothing, and the local files keep the UIDs their client gave them.
// Deleting one of the two deletes that one only.
func TestVdirsyncerTwoCardsOfOnePerson(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncer(t, tech1, tech1Password)
		v.settle(t)
		book := filepath.Join("contacts", storage.CollContacts)
		contacts := srv.contactCount(t)
		v.put(t, filepath.Join(book, "zed-a.vcf"), zedLines("uid-a1")...)
		v.put(t, filepath.Join(book, "zed-c.vcf"), zedLines("uid-c1")...)
		if moved := v.sync(t); strings.Count(moved, "to remote_contacts") != 2 {
			t.Fatalf("the two cards were not uploaded: %q", moved)
		}
		for i, moved := range []string{v.sync(t), v.sync(t)} {
			if strings.Contains(moved, "to remote_contacts") || strings.Contains(moved, "Deleting") || (i == 1 && moved != "") {
				t.Fatalf("sync %d after the upload transferred: %s", i+2, moved)
			}
		}
		if n := srv.contactCount(t); n != contacts+1 {
			t.Fatalf("two cards of one person made %d contacts", n-contacts)
		}
		uids := uidsIn(t, v.path(book))
		if uids["zed-a.vcf"] != "uid-a1" || uids["zed-c.vcf"] != "uid-c1" {
			t.Fatalf("local UIDs after the syncs: %v", uids)
		}

		// tech2 writes the same person into his book; tech1's sync moves nothing.
		other := *srv
		other.dir = t.TempDir() // tech2's own folders and sync status
		w := other.vdirsyncer(t, tech2, tech2Password)
		w.settle(t)
		w.put(t, filepath.Join(book, "zed-b.vcf"), zedLines("uid-b1")...)
		w.settle(t)
		if got := uidsIn(t, w.path(book))["zed-b.vcf"]; got != "uid-b1" || srv.contactCount(t) != contacts+1 {
			t.Fatalf("tech2's card reads UID %q; %d new contacts", got, srv.contactCount(t)-contacts)
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("tech2's card moved tech1's: %s", moved)
		}

		// Deleting one of tech1's two cards deletes that one.
		if err := os.Remove(v.path(book, "zed-c.vcf")); err != nil {
			t.Fatal(err)
		}
		v.settle(t)
		if uids := uidsIn(t, v.path(book)); uids["zed-a.vcf"] != "uid-a1" || uids["zed-c.vcf"] != "" {
			t.Fatalf("local UIDs after deleting zed-c: %v", uids)
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a sync after the delete transferred: %s", moved)
		}
	})
}
