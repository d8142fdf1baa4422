package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage"
)

// vdirsyncer syncs a user's address books and calendars with local
// folders, which khard and khal then read.

func (srv *e2eServer) vdirsyncerConfig(t *testing.T, login, password string) string {
	t.Helper()
	d := srv.dir
	return srv.write(t, "vdirsyncer.conf", sprintf(`[general]
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
}

// vdirsyncer runs one vdirsyncer command (discover answers yes to creating
// the local folders).
func (srv *e2eServer) vdirsyncer(t *testing.T, conf string, args ...string) string {
	t.Helper()
	return srv.run(t, strings.Repeat("y\n", 20), requireTool(t, "vdirsyncer"), append([]string{"-c", conf}, args...)...)
}

// transferred reports whether vdirsyncer output shows any item moving.
func transferred(out string) bool {
	for _, verb := range []string{"Copying", "Updating", "Deleting"} {
		if strings.Contains(out, verb) {
			return true
		}
	}
	return false
}

func TestVdirsyncerDownloadsAndKhardReads(t *testing.T) {
	requireTool(t, "vdirsyncer")
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		conf := srv.vdirsyncerConfig(t, tech2, tech2Password)
		srv.vdirsyncer(t, conf, "discover")
		first := srv.vdirsyncer(t, conf, "sync")
		if !transferred(first) {
			t.Fatalf("first sync moved nothing:\n%s", first)
		}
		for _, coll := range []string{storage.CollContacts, storage.CollAllContacts} {
			local := fileCount(t, filepath.Join(srv.dir, "contacts", coll))
			if remote := srv.objectCount(t, tech2, coll); local != remote || remote == 0 {
				t.Fatalf("%s: %d cards locally, %d on the server", coll, local, remote)
			}
		}
		for _, coll := range []string{storage.CollCalendar, storage.CollTasks} {
			local := fileCount(t, filepath.Join(srv.dir, "calendars", coll))
			if remote := srv.objectCount(t, tech2, coll); local != remote {
				t.Fatalf("%s: %d objects locally, %d on the server", coll, local, remote)
			}
		}
		if second := srv.vdirsyncer(t, conf, "sync"); transferred(second) {
			t.Fatalf("a second sync transferred items:\n%s", second)
		}

		// khard reads the synced folder: every card, with the PSA's fields.
		khard := requireTool(t, "khard")
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
		for _, want := range []string{"First name: Ann", "Last name: Archer", "- Acme Corporation", "Title: Office Manager", "pref: ann.archer@example.com", "WORK, VOICE: +1 555 0100 x10"} {
			if !strings.Contains(show, want) {
				t.Errorf("khard show lacks %q:\n%s", want, show)
			}
		}
	})
}
