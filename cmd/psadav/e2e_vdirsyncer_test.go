package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	return srv.vdirsyncerWith(t, login, password, `conflict_resolution = "a wins"`)
}

// vdirsyncerWith configures both pairs with a conflict line: "" makes an
// item changed on both sides an error, as in vdirsyncer's default
// configuration.
func (srv *e2eServer) vdirsyncerWith(t *testing.T, login, password, conflict string) *vdir {
	t.Helper()
	requireTool(t, "vdirsyncer")
	d := srv.dir
	conf := srv.write(t, "vdirsyncer.conf", sprintf(`[general]
status_path = "%[1]s/status/"

[pair contacts]
a = "remote_contacts"
b = "local_contacts"
collections = ["from a"]
%[5]s

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
%[5]s

[storage remote_calendars]
type = "caldav"
url = "%[2]s/"
username = "%[3]s"
password = "%[4]s"

[storage local_calendars]
type = "filesystem"
path = "%[1]s/calendars/"
fileext = ".ics"
`, d, srv.url, login, password, conflict))
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
func (srv *e2eServer) upsert(t *testing.T, entity mapping.Entity, rec mapping.Record) {
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

func TestVdirsyncerCalendarBothWaysAndKhal(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncer(t, tech1, tech1Password)
		v.sync(t)
		for _, coll := range []string{storage.CollCalendar, storage.CollTasks} {
			if local, remote := fileCount(t, v.path("calendars", coll)), srv.objectCount(t, tech1, coll); local != remote || remote == 0 {
				t.Fatalf("%s: %d objects locally, %d on the server", coll, local, remote)
			}
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a second sync transferred: %s", moved)
		}
		cal := filepath.Join("calendars", storage.CollCalendar)
		day := fixtureDay()
		ics := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
		opsOf := func(entity string) []string { // oldest first
			var ops []string
			for _, e := range srv.outbox(t) {
				if e.Entity == entity {
					ops = append([]string{e.Op.String() + " " + e.FieldMask}, ops...)
				}
			}
			return ops
		}

		// Client side: a new event becomes a PSA appointment.
		start := day.AddDate(0, 0, 5).Add(13 * time.Hour)
		v.put(t, filepath.Join(cal, "vds-event.ics"), "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//e2e//EN", "BEGIN:VEVENT",
			"UID:vds-event-1", "DTSTAMP:"+ics(day), "DTSTART:"+ics(start), "DTEND:"+ics(start.Add(time.Hour)),
			"SUMMARY:Quarterly review", "END:VEVENT", "END:VCALENDAR")
		if moved := v.sync(t); !strings.Contains(moved, "uploading) item vds-event-1") {
			t.Fatalf("the new event was not uploaded: %q", moved)
		}
		if ops := opsOf("Appointments"); len(ops) != 1 || !strings.HasPrefix(ops[0], "create") {
			t.Fatalf("outbox after the new event: %v", ops)
		}
		v.settle(t)

		// Client side: a PSA appointment moved by an hour and renamed: the
		// time goes to the PSA, the title stays the PSA's.
		appt := filepath.Join(cal, "psadav-appointment-601.ics")
		body := v.read(t, appt)
		s601 := day.AddDate(0, 0, 1).Add(9 * time.Hour)
		moved := strings.NewReplacer("SUMMARY:Team meeting", "SUMMARY:My own title").Replace(body)
		for _, tz := range []string{"DTSTART", "DTEND"} {
			from := s601
			if tz == "DTEND" {
				from = s601.Add(time.Hour)
			}
			moved = strings.Replace(moved, tz+":"+ics(from), tz+":"+ics(from.Add(time.Hour)), 1)
		}
		if moved == body {
			t.Fatalf("could not find the appointment's times in:\n%s", body)
		}
		v.put(t, appt, strings.TrimRight(moved, "\r\n"))
		v.sync(t)
		ops := opsOf("Appointments")
		if len(ops) != 2 || ops[1] != "update endDateTime,startDateTime" {
			t.Fatalf("outbox after the move: %v", ops)
		}
		v.settle(t)
		if got := v.read(t, appt); !strings.Contains(got, "SUMMARY:Team meeting") || !strings.Contains(got, "DTSTART:"+ics(s601.Add(time.Hour))) {
			t.Fatalf("after the move the client holds:\n%s", got)
		}

		// Client side: completing a PSA to-do in the task list.
		task := filepath.Join("calendars", storage.CollTasks, "psadav-todo-702.ics")
		open := v.read(t, task)
		if !strings.Contains(open, "STATUS:NEEDS-ACTION\r\n") {
			t.Fatalf("an open PSA to-do:\n%s", open)
		}
		done := strings.NewReplacer("STATUS:NEEDS-ACTION\r\n", "STATUS:COMPLETED\r\nCOMPLETED:"+ics(day)+"\r\nPERCENT-COMPLETE:100\r\n").Replace(open)
		v.put(t, task, strings.TrimRight(done, "\r\n"))
		v.settle(t)
		if ops := opsOf("CompanyToDos"); len(ops) != 1 || ops[0] != "update completedDate" {
			t.Fatalf("outbox after completing the task: %v", ops)
		}

		// Client side: deleting its own event deletes it in the PSA.
		if err := os.Remove(v.path(cal, "vds-event.ics")); err != nil {
			t.Fatal(err)
		}
		v.settle(t)
		if ops := opsOf("Appointments"); len(ops) != 3 || ops[2] != "delete " {
			t.Fatalf("outbox after the delete: %v", ops)
		}

		// PSA side: an appointment moves, one is added, one is deleted.
		s602 := day.AddDate(0, 0, 3).Add(14 * time.Hour)
		srv.upsert(t, mapping.EntityAppointments, &mapping.Appointment{ID: 602, ResourceID: 29682901, Title: "Lunch with Acme",
			StartDateTime: s602, EndDateTime: s602.Add(time.Hour)})
		s610 := day.AddDate(0, 0, 4).Add(8 * time.Hour)
		srv.upsert(t, mapping.EntityAppointments, &mapping.Appointment{ID: 610, ResourceID: 29682901, Title: "New from the PSA",
			StartDateTime: s610, EndDateTime: s610.Add(time.Hour)})
		err := srv.store.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
			return tx.MarkPSADeleted(ctx, mapping.EntityAppointments, 604)
		})
		if err != nil {
			t.Fatal(err)
		}
		got := v.sync(t)
		for _, want := range []string{"updating) item psadav-appointment-602 to local", "uploading) item psadav-appointment-610 to local"} {
			if !strings.Contains(got, want) {
				t.Errorf("PSA changes: %q missing from\n%s", want, got)
			}
		}
		if !strings.Contains(got, "Deleting item psadav-appointment-604") {
			t.Errorf("the appointment deleted in the PSA was not deleted locally:\n%s", got)
		}
		if moved := v.sync(t); moved != "" {
			t.Fatalf("a second sync transferred: %s", moved)
		}

		// khal reads the synced folders.
		khal := requireTool(t, "khal")
		kconf := srv.write(t, "khal.conf", sprintf(`[calendars]
[[psa]]
path = %s/calendars/calendar/
[[tasks]]
path = %s/calendars/tasks/

[locale]
timeformat = %%H:%%M
dateformat = %%Y-%%m-%%d
longdateformat = %%Y-%%m-%%d
datetimeformat = %%Y-%%m-%%d %%H:%%M
longdatetimeformat = %%Y-%%m-%%d %%H:%%M
local_timezone = UTC
default_timezone = UTC
`, srv.dir, srv.dir))
		list := srv.run(t, "", khal, "-c", kconf, "list", day.Format("2006-01-02"), "30d")
		for _, want := range []string{"Team meeting", "Lunch with Acme", "New from the PSA", "Time Off Request - 8.00 hours"} {
			if !strings.Contains(list, want) {
				t.Errorf("khal list lacks %q:\n%s", want, list)
			}
		}
	})
}
