package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// vdirsyncer syncs a user's address books and calendars with local
// folders, both ways; khard and khal then read the folders.
//
// After psadav stores a client's object it usually differs from the bytes
// sent (psadav renders from the PSA record and adds the PSA ids), so the
// PUT answers without an ETag (RFC 4791 §5.3.4, RFC 6352 §6.3.2) and
// vdirsyncer fetches the server's version on its next run, by design
// (vdirsyncer/storage/dav.py, _put). The tests therefore check that once a
// client holds the server's version, a further sync transfers nothing.

type vdir struct {
	srv  *e2eServer
	conf string
}

func (srv *e2eServer) vdirsyncer(t *testing.T, login, password string) *vdir {
	t.Helper()
	requireTool(t, "vdirsyncer")
	d := srv.dir
	conf := srv.write(t, "vdirsyncer.conf", sprintf(`[general]
status_path = "%[1]s/status/"

[pair contacts]
a = "remote_contacts"
b = "local_contacts"
collections = ["from a"]
conflict_resolution = "a wins"

[storage remote_contacts]
type = "carddav"
url = "%[2]s/"
username = "%[3]s"
password = "%[4]s"

[storage local_contacts]
type = "filesystem"
path = "%[1]s/contacts/"
fileext = ".vcf"

[pair calendars]
a = "remote_calendars"
b = "local_calendars"
collections = ["from a"]
conflict_resolution = "a wins"

[storage remote_calendars]
type = "caldav"
url = "%[2]s/"
username = "%[3]s"
password = "%[4]s"

[storage local_calendars]
type = "filesystem"
path = "%[1]s/calendars/"
fileext = ".ics"
`, d, srv.url, login, password))
	v := &vdir{srv: srv, conf: conf}
	srv.run(t, strings.Repeat("y\n", 20), "vdirsyncer", "-c", conf, "discover")
	return v
}

// sync runs one sync that must succeed and returns the lines that moved items.
func (v *vdir) sync(t *testing.T) string {
	t.Helper()
	out := v.srv.run(t, "", "vdirsyncer", "-c", v.conf, "sync")
	var moves []string
	for _, l := range strings.Split(out, "\n") {
		for _, verb := range []string{"Copying", "Updating", "Deleting"} {
			if strings.HasPrefix(l, verb) {
				moves = append(moves, l)
			}
		}
	}
	return strings.Join(moves, "\n")
}

// settle syncs until nothing moves (at most three runs: up, down, quiet).
func (v *vdir) settle(t *testing.T) {
	t.Helper()
	for i := 0; i < 3; i++ {
		if v.sync(t) == "" {
			return
		}
	}
	t.Fatalf("vdirsyncer still transfers after three syncs: %s", v.sync(t))
}

func (v *vdir) path(parts ...string) string {
	return filepath.Join(append([]string{v.srv.dir}, parts...)...)
}

func (v *vdir) put(t *testing.T, rel string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(v.path(rel), []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (v *vdir) read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(v.path(rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// upsert writes a record as if it came from the PSA.
func (srv *e2eServer) upsert(t *testing.T, entity mapping.Entity, rec any) {
	t.Helper()
	err := srv.store.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.UpsertPSA(ctx, entity, rec, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (srv *e2eServer) outbox(t *testing.T) []storage.OutboxEntry {
	t.Helper()
	es, err := srv.store.Outbox(context.Background(), storage.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (srv *e2eServer) contactCount(t *testing.T) int {
	t.Helper()
	n, err := srv.store.CountPSA(context.Background(), mapping.EntityContacts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVdirsyncerContactsBothWays(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncer(t, tech1, tech1Password)
		if v.sync(t) == "" {
			t.Fatal("the first sync moved nothing")
		}
		book := filepath.Join("contacts", storage.CollContacts)
		for _, coll := range []string{storage.CollContacts} {
			if local, remote := fileCount(t, v.path("contacts", coll)), srv.objectCount(t, tech1, coll); local != remote || remote == 0 {
				t.Fatalf("%s: %d cards locally, %d on the server", coll, local, remote)
			}
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a second sync transferred: %s", moved)
		}
		contacts := srv.contactCount(t)

		// Client side: a new card, under a company named loosely.
		v.put(t, filepath.Join(book, "new-1.vcf"), "BEGIN:VCARD", "VERSION:3.0", "UID:vds-new-1", "N:Harper;Quinn;;;", "FN:Quinn Harper",
			"ORG: acme corporation ", "TEL;TYPE=WORK:+1 555 0199 x12", "TEL;TYPE=HOME:+1 555 0400", "BDAY:1990-07-15", "END:VCARD")
		if moved := v.sync(t); !strings.Contains(moved, "uploading") {
			t.Fatalf("the new card was not uploaded: %q", moved)
		}
		es := srv.outbox(t)
		if srv.contactCount(t) != contacts+1 || len(es) != 1 || es[0].Op != storage.OpCreate || !strings.Contains(es[0].Payload, `"companyID":174`) {
			t.Fatalf("after the upload: %d contacts (was %d), outbox %+v", srv.contactCount(t), contacts, es)
		}
		v.settle(t)
		card := v.read(t, filepath.Join(book, "new-1.vcf"))
		for _, want := range []string{"ORG:Acme Corporation\r\n", "BDAY:1990-07-15\r\n", "TEL;TYPE=HOME:+1 555 0400\r\n", "X-PSA-COMPANY-ID:174\r\n"} {
			if !strings.Contains(card, want) {
				t.Errorf("the synced card lacks %q:\n%s", want, card)
			}
		}

		// Client side: a PSA contact edited. Under psa-master its PSA fields
		// stay; the home phone the PSA has no field for is kept.
		ann := filepath.Join(book, "psadav-contact-30682900.vcf")
		edited := strings.Replace(v.read(t, ann), "TITLE:Office Manager", "TITLE:Chief Everything\r\nTEL;TYPE=HOME:+1 555 0777", 1)
		v.put(t, ann, strings.TrimRight(edited, "\r\n"))
		if moved := v.sync(t); !strings.Contains(moved, "to remote_contacts") {
			t.Fatalf("the edit was not uploaded: %q", moved)
		}
		v.settle(t)
		card = v.read(t, ann)
		if !strings.Contains(card, "TITLE:Office Manager\r\n") || !strings.Contains(card, "TEL;TYPE=HOME:+1 555 0777\r\n") {
			t.Fatalf("after the edit the client holds:\n%s", card)
		}
		if len(srv.outbox(t)) != 1 {
			t.Fatalf("a psa-master edit queued a write-back: %+v", srv.outbox(t))
		}

		// Client side: a PSA contact deleted is hidden for this user only.
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(os.Remove(v.path(book, "psadav-contact-30682901.vcf")))
		v.settle(t)
		if srv.objectCount(t, tech2, storage.CollAllContacts) != 9+1 {
			t.Fatalf("tech2's all-contacts lost the contact tech1 hid: %d", srv.objectCount(t, tech2, storage.CollAllContacts))
		}
		if _, err := os.Stat(v.path(book, "psadav-contact-30682901.vcf")); err == nil {
			t.Fatal("the hidden contact came back")
		}

		// PSA side: a new contact, a changed one, a deactivated one.
		srv.upsert(t, mapping.EntityContacts, &mapping.Contact{ID: 30682990, CompanyID: 174, IsActive: 1, FirstName: "Nora", LastName: "New"})
		srv.upsert(t, mapping.EntityContacts, &mapping.Contact{ID: 30682902, CompanyID: 174, IsActive: 1, FirstName: "Cora", LastName: "Cole", Title: "Head Buyer"})
		srv.upsert(t, mapping.EntityContacts, &mapping.Contact{ID: 30682904, CompanyID: 174, IsActive: 0, FirstName: "Eve", LastName: "Evans"})
		moved := v.sync(t)
		for _, want := range []string{"uploading) item psadav-contact-30682990 to local", "updating) item psadav-contact-30682902 to local", "Deleting item psadav-contact-30682904 from local"} {
			if !strings.Contains(moved, want) {
				t.Errorf("PSA changes: %q missing from\n%s", want, moved)
			}
		}
		if !strings.Contains(v.read(t, filepath.Join(book, "psadav-contact-30682902.vcf")), "TITLE:Head Buyer") {
			t.Fatal("the PSA's title change did not arrive")
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a second sync transferred: %s", moved)
		}

		// A duplicate (same name, company and e-mail) creates no contact.
		before := srv.contactCount(t)
		v.put(t, filepath.Join(book, "dup.vcf"), "BEGIN:VCARD", "VERSION:3.0", "UID:vds-dup", "N:Cole;Cora;;;", "FN:Cora Cole",
			"ORG:Acme Corporation", "EMAIL:cora.cole@example.com", "END:VCARD")
		v.settle(t)
		if srv.contactCount(t) != before || len(srv.outbox(t)) != 1 {
			t.Fatalf("a duplicate created a contact: %d contacts (was %d), %d outbox entries", srv.contactCount(t), before, len(srv.outbox(t)))
		}

		// An over-long TITLE is refused: the sync reports the 403.
		v.put(t, filepath.Join(book, "long.vcf"), "BEGIN:VCARD", "VERSION:3.0", "UID:vds-long", "FN:Long Title", "N:Title;Long;;;",
			"TITLE:"+strings.Repeat("x", 300), "END:VCARD")
		out, err := srv.try("", "vdirsyncer", "-c", v.conf, "sync")
		if err == nil || !strings.Contains(out, "403") {
			t.Fatalf("an over-long TITLE was accepted: %v\n%s", err, out)
		}
		if srv.contactCount(t) != before {
			t.Fatal("the refused card created a contact")
		}
	})
}

func TestKhardReadsTheSyncedBook(t *testing.T) {
	khard := requireTool(t, "khard")
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncer(t, tech2, tech2Password)
		v.sync(t)
		kconf := srv.write(t, "khard.conf", sprintf(`[addressbooks]
[[psa]]
path = %s/contacts/all-contacts/

[general]
default_action = list
editor = /bin/true
merge_editor = /bin/true

[contact table]
display = first_name
show_uids = yes
sort = last_name
preferred_phone_number_type = pref, cell, home
preferred_email_address_type = pref, work, home
`, srv.dir))
		list := srv.run(t, "", khard, "-c", kconf, "list", "--parsable")
		lines := strings.Split(strings.TrimSpace(list), "\n")
		if len(lines) != srv.objectCount(t, tech2, storage.CollAllContacts) || !strings.Contains(list, "Ann Archer") {
			t.Fatalf("khard lists %d contacts:\n%s", len(lines), list)
		}
		show := srv.run(t, "", khard, "-c", kconf, "show", "--format", "yaml", "psadav-contact-30682900")
		for _, want := range []string{"First name: Ann", "Last name: Archer", "- Acme Corporation", "Title: Office Manager",
			"pref: ann.archer@example.com", "WORK, VOICE: +1 555 0100 x10"} {
			if !strings.Contains(show, want) {
				t.Errorf("khard show lacks %q:\n%s", want, show)
			}
		}
	})
}
