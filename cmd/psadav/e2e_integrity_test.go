package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// TestVdirsyncerClientIntegrity is issue 13's acceptance as one client
// session: vdirsyncer with its default conflict handling (an item changed
// on both sides is an error) syncs contacts, the calendar and the task
// list while the client creates two cards of one person, an undated
// to-do and a date-only one, deletes a PSA appointment, and later edits
// what it created. Every sync must exit 0 (run fails the test otherwise);
// the sync after each change uploads and deletes nothing (it may bring
// down, once, what the server stored differently); the one after that
// transfers nothing; and the local files hold what the client wrote.
func TestVdirsyncerClientIntegrity(t *testing.T) {
	forEachDB(t, func(t *testing.T, srv *e2eServer) {
		v := srv.vdirsyncerWith(t, tech1, tech1Password, "")
		v.settle(t)
		book := filepath.Join("contacts", storage.CollContacts)
		cal := filepath.Join("calendars", storage.CollCalendar)
		tasks := filepath.Join("calendars", storage.CollTasks)
		contacts := srv.contactCount(t)
		day := fixtureDay()
		date := func(n int) string { return day.AddDate(0, 0, n).Format("20060102") }
		todo := func(uid string, lines ...string) []string {
			return append(append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//e2e//EN", "BEGIN:VTODO", "UID:" + uid,
				"DTSTAMP:" + date(0) + "T000000Z"}, lines...), "END:VTODO", "END:VCALENDAR")
		}
		card := func(uid string, extra ...string) []string {
			return append(append([]string{"BEGIN:VCARD", "VERSION:3.0", "UID:" + uid, "N:Quux;Zed;;;", "FN:Zed Quux",
				"ORG:Acme Corporation", "EMAIL;TYPE=WORK:zed.quux@example.com"}, extra...), "END:VCARD")
		}
		written := map[string][]string{
			filepath.Join(book, "p1.vcf"):        card("vds-p1"),
			filepath.Join(book, "p2.vcf"):        card("vds-p2", "TEL;TYPE=HOME:+1 555 0101"),
			filepath.Join(tasks, "undated.ics"):  todo("vds-undated", "SUMMARY:Someday"),
			filepath.Join(tasks, "dateonly.ics"): todo("vds-dateonly", "SUMMARY:On the day", "DUE;VALUE=DATE:"+date(9)),
		}
		for name, lines := range written {
			v.put(t, name, lines...)
		}
		appt := filepath.Join(cal, "psadav-appointment-602.ics")
		if err := os.Remove(v.path(appt)); err != nil {
			t.Fatal(err)
		}

		moved := v.sync(t)
		for _, want := range []string{"item vds-p1 to remote", "item vds-p2 to remote", "item vds-undated to remote",
			"item vds-dateonly to remote", "Deleting item psadav-appointment-602 from remote"} {
			if !strings.Contains(moved, want) {
				t.Errorf("the first sync lacks %q:\n%s", want, moved)
			}
		}
		v.quietAfter(t)
		holds := func() {
			t.Helper()
			for name, lines := range written {
				got := v.read(t, name)
				if strings.HasSuffix(name, ".ics") {
					if want := strings.Join(lines, "\r\n") + "\r\n"; got != want {
						t.Errorf("%s locally:\n%s\nwant what the client wrote:\n%s", name, got, want)
					}
					continue
				}
				for _, l := range lines {
					if !hasProperty(got, l) {
						t.Errorf("%s locally lacks the client's %q:\n%s", name, l, got)
					}
				}
			}
			if _, err := os.Stat(v.path(appt)); err == nil {
				t.Error("the deleted PSA appointment came back")
			}
		}
		holds()

		// The server: one PSA contact for the two cards, two to-dos, and
		// nothing sent for the appointment (hidden for this user only).
		if got := srv.contactCount(t); got != contacts+1 {
			t.Errorf("%d contacts, want %d: the two cards of one person made two", got, contacts+1)
		}
		ops := map[string]int{}
		for _, e := range srv.outbox(t) {
			ops[e.Entity+" "+e.Op.String()]++
		}
		if ops["Contacts create"] != 1 || ops["CompanyToDos create"] != 2 || ops["Appointments delete"] != 0 || len(ops) != 2 {
			t.Errorf("outbox after the first changes: %v", ops)
		}

		// The client edits what it created: a card (its own contact, so
		// the title reaches the PSA and the other card of the person shows
		// it too) and a task.
		p1 := filepath.Join(book, "p1.vcf")
		written[p1] = card("vds-p1", "TITLE:Field Engineer")
		v.put(t, p1, strings.Split(strings.Replace(v.read(t, p1), "END:VCARD", "TITLE:Field Engineer\r\nEND:VCARD", 1), "\r\n")...)
		undated := filepath.Join(tasks, "undated.ics")
		written[undated] = todo("vds-undated", "SUMMARY:Someday, really")
		v.put(t, undated, written[undated]...)
		moved = v.sync(t)
		for _, want := range []string{"item vds-p1 to remote", "item vds-undated to remote"} {
			if !strings.Contains(moved, want) {
				t.Errorf("the edit sync lacks %q:\n%s", want, moved)
			}
		}
		v.quietAfter(t)
		holds()
		if p2 := v.read(t, filepath.Join(book, "p2.vcf")); !strings.Contains(p2, "TITLE:Field Engineer\r\n") || !strings.Contains(p2, "UID:vds-p2\r\n") {
			t.Errorf("the second card of the person after the first one's edit:\n%s", p2)
		}
		var updates []string
		for _, e := range srv.outbox(t) {
			if e.Op == storage.OpUpdate {
				updates = append(updates, e.Entity+" "+e.FieldMask)
			}
		}
		if got := strings.Join(updates, "|"); !strings.Contains(got, string(mapping.EntityContacts)+" title") ||
			!strings.Contains(got, string(mapping.EntityCompanyToDos)+" activityDescription") {
			t.Errorf("updates queued for the edits: %s", got)
		}
	})
}

// quietAfter runs the two syncs that follow a change: the first may bring
// down what the server stored differently but uploads and deletes nothing;
// the second transfers nothing at all.
func (v *vdir) quietAfter(t *testing.T) {
	t.Helper()
	second := v.sync(t)
	for _, l := range strings.Split(second, "\n") {
		if strings.Contains(l, "to remote") || strings.Contains(l, "from remote") || strings.HasPrefix(l, "Deleting") {
			t.Errorf("the second sync uploaded or deleted: %s\n(all of it:\n%s)", l, second)
		}
	}
	if third := v.sync(t); third != "" {
		t.Errorf("the third sync transferred:\n%s", third)
	}
}

// hasProperty reports whether a vCard holds a content line's property
// with its value; the parameters may be the server's rendering of the same
// meaning (TYPE=WORK as TYPE=INTERNET,WORK,pref).
func hasProperty(card, line string) bool {
	name, value, _ := strings.Cut(line, ":")
	name, _, _ = strings.Cut(name, ";")
	for _, l := range strings.Split(card, "\r\n") {
		n, v, _ := strings.Cut(l, ":")
		if n, _, _ = strings.Cut(n, ";"); n == name && v == value {
			return true
		}
	}
	return false
}
