package dav_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// vdirsyncer runs the Debian vdirsyncer against the test server; without
// it the test is skipped, or fails when CI=true.
type vdirsyncer struct {
	t     *testing.T
	bin   string
	dir   string
	cards string
}

func newVdirsyncer(t *testing.T, url, login, password string) *vdirsyncer {
	t.Helper()
	bin, err := exec.LookPath("vdirsyncer")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("vdirsyncer is not installed: the real-client tests must run in CI")
		}
		t.Skip("vdirsyncer not installed (Debian package vdirsyncer)")
	}
	dir := t.TempDir()
	v := &vdirsyncer{t: t, bin: bin, dir: dir, cards: filepath.Join(dir, "cards", "contacts")}
	must(t, os.MkdirAll(v.cards, 0o755))
	config := `[general]
status_path = "` + filepath.Join(dir, "status") + `/"

[pair book]
a = "remote"
b = "local"
collections = ["contacts"]
conflict_resolution = "a wins"

[storage remote]
type = "carddav"
url = "` + url + `/"
username = "` + login + `"
password = "` + password + `"

[storage local]
type = "filesystem"
path = "` + filepath.Join(dir, "cards") + `/"
fileext = ".vcf"
`
	must(t, os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600))
	if out, err := v.run("discover"); err != nil {
		t.Fatalf("vdirsyncer discover: %v\n%s", err, out)
	}
	return v
}

func (v *vdirsyncer) run(args ...string) (string, error) {
	cmd := exec.Command(v.bin, args...)
	cmd.Env = append(os.Environ(), "VDIRSYNCER_CONFIG="+filepath.Join(v.dir, "config"), "HOME="+v.dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sync runs a sync that must succeed and returns what it transferred.
func (v *vdirsyncer) sync() string {
	v.t.Helper()
	out, err := v.run("sync")
	if err != nil {
		v.t.Fatalf("vdirsyncer sync: %v\n%s", err, out)
	}
	var moves []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Copying") || strings.HasPrefix(l, "Deleting") {
			moves = append(moves, l)
		}
	}
	return strings.Join(moves, "\n")
}

func (v *vdirsyncer) files() int {
	v.t.Helper()
	entries, err := os.ReadDir(v.cards)
	must(v.t, err)
	return len(entries)
}

func (v *vdirsyncer) write(name string, lines ...string) {
	v.t.Helper()
	must(v.t, os.WriteFile(filepath.Join(v.cards, name), []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644))
}

// The acceptance run, with the Debian vdirsyncer: sync the book,
// create a contact, sync until nothing moves, a duplicate, an over-long
// TITLE, a contact deactivated in the PSA.
func TestVdirsyncerContacts(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		v := newVdirsyncer(t, e.srv.URL, "alice", "alice-pw")
		v.sync()
		if n := v.files(); n != 2 {
			t.Fatalf("alice's book synced %d cards, want 2", n)
		}
		contacts := func() int {
			n, err := e.s.CountPSA(ctx, mapping.EntityContacts)
			must(t, err)
			return n
		}
		outbox := func() []storage.OutboxEntry {
			es, err := e.s.Outbox(ctx, storage.OutboxFilter{})
			must(t, err)
			return es
		}
		before := contacts()
		v.write("new-1.vcf", "BEGIN:VCARD", "VERSION:3.0", "UID:vds-new-1", "FN:Quinn Harper", "ORG:acme",
			"TEL;TYPE=WORK:+1 555 0199 x12", "TEL;TYPE=HOME:+1 555 0400", "BDAY:1990-07-15", "END:VCARD")
		if moved := v.sync(); !strings.Contains(moved, "uploading") {
			t.Fatalf("the new card was not uploaded: %s", moved)
		}
		if es := outbox(); contacts() != before+1 || len(es) != 1 || es[0].Op != storage.OpCreate || !strings.Contains(es[0].Payload, `"companyID":1`) {
			t.Fatalf("mirror: %d contacts (was %d), outbox %+v", contacts(), before, es)
		}
		v.sync() // no ETag came back: vdirsyncer reads the server's version once
		if moved := v.sync(); moved != "" {
			t.Fatalf("a further sync transferred: %s", moved)
		}
		body, err := os.ReadFile(filepath.Join(v.cards, "new-1.vcf"))
		must(t, err)
		for _, want := range []string{"ORG:Acme\r\n", "BDAY:1990-07-15\r\n", "TEL;TYPE=HOME:+1 555 0400\r\n", "X-PSA-COMPANY-ID:1\r\n"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("synced card lacks %q:\n%s", want, body)
			}
		}

		// A duplicate of Art Acme (no e-mail on either side) creates nothing.
		v.write("dup.vcf", "BEGIN:VCARD", "VERSION:3.0", "UID:vds-dup", "FN:Art Acme", "ORG:Acme", "END:VCARD")
		v.sync()
		if contacts() != before+1 || len(outbox()) != 1 {
			t.Fatalf("a duplicate created a contact: %d contacts, %d outbox entries", contacts(), len(outbox()))
		}
		v.sync()
		if moved := v.sync(); moved != "" || v.files() != 3 {
			t.Fatalf("after the duplicate: %d cards, moved %s", v.files(), moved)
		}

		// An over-long TITLE is refused; the sync reports the 403.
		v.write("long.vcf", "BEGIN:VCARD", "VERSION:3.0", "UID:vds-long", "FN:Long Title", "TITLE:"+strings.Repeat("x", 300), "END:VCARD")
		if out, err := v.run("sync"); err == nil || !strings.Contains(out, "403") {
			t.Fatalf("an over-long TITLE was accepted: %v\n%s", err, out)
		}
		must(t, os.Remove(filepath.Join(v.cards, "long.vcf")))
		if contacts() != before+1 {
			t.Fatal("the refused card created a contact")
		}

		// Contact 11 goes inactive in the PSA: it leaves the book.
		must(t, e.s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 0, FirstName: "Ann", LastName: "Acme"}, nil)
			return err
		}))
		if moved := v.sync(); !strings.Contains(moved, "Deleting item psadav-contact-11") || v.files() != 2 {
			t.Fatalf("deactivated contact: %d cards, moved %s", v.files(), moved)
		}
	})
}
