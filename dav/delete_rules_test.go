package dav_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// The delete rules (README "Calendar and tasks"): in lenient mode a DELETE
// of a PSA item the user may not delete in the PSA hides it for that user;
// in strict mode it is refused, and the privileges every object and
// collection report say exactly what the server will accept.

// TestDeleteOfPSAItemsHidesThemInLenientMode is the Seen case: vdirsyncer
// deleted a PSA appointment, got 403 while the calendar granted unbind,
// and failed on every later sync.
func TestDeleteOfPSAItemsHidesThemInLenientMode(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		ctx := context.Background()
		// A second login linked to the same PSA resource sees the same items.
		_, err := e.s.CreateAccount(ctx, "alice2", "alice2-pw", i64(100), storage.DefaultUserSettings())
		must(t, err)
		calStart := e.sync("alice", "alice-pw", aliceCal, "", "")
		taskStart := e.sync("alice", "alice-pw", aliceTasks, "", "")
		for _, path := range []string{aliceCal + "appointment-41.ics", aliceCal + "todo-51.ics", aliceCal + "service-call-61.ics",
			aliceCal + "time-off-71.ics", aliceTasks + "todo-52.ics"} {
			resp, body := e.do("DELETE", path, "alice", "alice-pw", "")
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("DELETE %s: %d %s", path, resp.StatusCode, body)
			}
			if resp, _ := e.do("GET", path, "alice", "alice-pw", ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s after the DELETE: %d", path, resp.StatusCode)
			}
			if resp, _ := e.do("GET", strings.Replace(path, "/alice/", "/alice2/", 1), "alice2", "alice2-pw", ""); resp.StatusCode != http.StatusOK {
				t.Errorf("the other login lost %s: %d", path, resp.StatusCode)
			}
		}
		// The items left the collections: tombstones, the tokens moved.
		cal := e.sync("alice", "alice-pw", aliceCal, calStart.token, "")
		if cal.token == calStart.token || strings.Join(cal.removed, " ") != "appointment-41.ics service-call-61.ics time-off-71.ics todo-51.ics" {
			t.Fatalf("calendar sync after the deletes: %+v", cal)
		}
		tasks := e.sync("alice", "alice-pw", aliceTasks, taskStart.token, "")
		if strings.Join(tasks.removed, " ") != "todo-52.ics" {
			t.Fatalf("tasks sync after the delete: %+v", tasks)
		}
		// Nothing went to the PSA.
		ob, err := e.s.Outbox(ctx, storage.OutboxFilter{})
		must(t, err)
		if len(ob) != 0 {
			t.Fatalf("a hidden item queued write-backs: %+v", ob)
		}
		// PSA changes do not bring a hidden item back.
		e.upsert(mapping.EntityAppointments, &mapping.Appointment{ID: 41, ResourceID: 100, Title: "Review (moved)",
			StartDateTime: e.day.AddDate(0, 0, 2).Add(11 * time.Hour), EndDateTime: e.day.AddDate(0, 0, 2).Add(12 * time.Hour)})
		if again := e.sync("alice", "alice-pw", aliceCal, cal.token, ""); len(again.changed)+len(again.removed) != 0 {
			t.Fatalf("a PSA change brought a hidden item back: %+v", again)
		}
		if _, body := e.do("GET", "/dav/calendars/alice2/calendar/appointment-41.ics", "alice2", "alice2-pw", ""); !strings.Contains(body, "SUMMARY:Review (moved)") {
			t.Fatalf("the other login did not get the PSA change: %s", body)
		}
		// The user's hidden items, for the administrator.
		hidden, err := e.s.HiddenItems(ctx, "alice")
		must(t, err)
		var got []string
		for _, h := range hidden {
			got = append(got, h.Collection+"/"+h.Href)
		}
		slices.Sort(got)
		if strings.Join(got, " ") != "calendar/appointment-41.ics calendar/service-call-61.ics calendar/time-off-71.ics calendar/todo-51.ics tasks/todo-52.ics" {
			t.Fatalf("hidden items: %v", got)
		}
		// Un-hidden, the item is back at the next sync, as the PSA has it now.
		n, err := e.s.Unhide(ctx, "alice", "calendar/appointment-41.ics")
		must(t, err)
		back := e.sync("alice", "alice-pw", aliceCal, cal.token, "")
		if n != 1 || strings.Join(back.changed, " ") != "appointment-41.ics" {
			t.Fatalf("after un-hiding (%d): %+v", n, back)
		}
		if _, body := e.do("GET", aliceCal+"appointment-41.ics", "alice", "alice-pw", ""); !strings.Contains(body, "SUMMARY:Review (moved)") {
			t.Fatalf("the un-hidden appointment: %s", body)
		}
	})
}

// TestDeleteOfPSAItemsIsRefusedInStrictMode: 403 DAV:need-privileges,
// and the object's own privilege set did not offer unbind.
func TestDeleteOfPSAItemsIsRefusedInStrictMode(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		must(t, e.s.SetSetting(context.Background(), "write-back-mode", "strict"))
		for _, path := range []string{aliceCal + "appointment-41.ics", aliceCal + "service-call-61.ics", aliceTasks + "todo-52.ics"} {
			resp, body := e.do("DELETE", path, "alice", "alice-pw", "")
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<d:need-privileges>") || !strings.Contains(body, "<d:unbind/>") {
				t.Errorf("DELETE %s: %d %s", path, resp.StatusCode, body)
			}
			if privs := e.privileges(t, "alice", path, "0")[path]; slices.Contains(privs, "unbind") || slices.Contains(privs, "write") {
				t.Errorf("%s offers %v", path, privs)
			}
		}
		// The same in a Depth 1 listing; a service call takes a PUT (of an
		// alarm: readonly_items_test.go) as an appointment does.
		listed := e.privileges(t, "alice", aliceCal, "1")
		if p := listed[aliceCal+"appointment-41.ics"]; slices.Contains(p, "unbind") || !slices.Contains(p, "write-content") {
			t.Errorf("listed appointment offers %v", p)
		}
		if p := listed[aliceCal+"service-call-61.ics"]; slices.Contains(p, "unbind") || !slices.Contains(p, "write-content") || !slices.Contains(p, "read") {
			t.Errorf("listed service call offers %v", p)
		}
		if p := listed[aliceCal]; slices.Contains(p, "unbind") || slices.Contains(p, "write") || !slices.Contains(p, "bind") {
			t.Errorf("the strict calendar offers %v", p)
		}
		if resp, _ := e.do("GET", aliceCal+"appointment-41.ics", "alice", "alice-pw", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("the refused DELETE removed the appointment: %d", resp.StatusCode)
		}
	})
}

var (
	privResponseRe = regexp.MustCompile(`(?s)<d:response><d:href>([^<]*)</d:href>(.*?)</d:response>`)
	privSetRe      = regexp.MustCompile(`(?s)<d:current-user-privilege-set>(.*?)</d:current-user-privilege-set>`)
	privNameRe     = regexp.MustCompile(`<d:privilege><(?:d|cal):([a-z-]+)/></d:privilege>`)
)

// privileges PROPFINDs current-user-privilege-set and returns, by href,
// the privileges each resource reports.
func (e *env) privileges(t *testing.T, login, path, depth string) map[string][]string {
	t.Helper()
	resp, body := e.do("PROPFIND", path, login, login+"-pw",
		`<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>`, "Depth", depth)
	if resp.StatusCode != http.StatusMultiStatus {
		t.Fatalf("PROPFIND %s: %d %s", path, resp.StatusCode, body)
	}
	out := map[string][]string{}
	for _, m := range privResponseRe.FindAllStringSubmatch(body, -1) {
		set := privSetRe.FindStringSubmatch(m[2])
		if set == nil {
			t.Fatalf("no privilege set for %s: %s", m[1], m[2])
		}
		for _, p := range privNameRe.FindAllStringSubmatch(set[1], -1) {
			out[m[1]] = append(out[m[1]], p[1])
		}
	}
	return out
}

// TestPrivilegesMatchWhatTheServerAccepts tries, in each mode, every
// member of every collection: a PUT of its own body, and one that adds
// what the PSA has no field for (an alarm, a nickname), is accepted
// exactly when it reports write-content — service calls and time off
// included, read-only books not —, a DELETE exactly when it reports unbind;
// a new object is accepted exactly when the collection reports bind, and a
// collection reports unbind only when every member does.
func TestPrivilegesMatchWhatTheServerAccepts(t *testing.T) {
	for _, mode := range []string{"lenient", "strict"} {
		t.Run(mode, func(t *testing.T) {
			forEachCalEnv(t, func(t *testing.T, e *calEnv) {
				ctx := context.Background()
				must(t, e.s.SetSetting(ctx, "read-only-books", "all-contacts"))
				// Items alice created: an event and a task.
				for _, c := range []struct{ path, body string }{
					{aliceCal + "mine.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:mine-1\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:" +
						fmtUTC(e.day.AddDate(0, 0, 3).Add(15*time.Hour)) + "\r\nDURATION:PT1H\r\nSUMMARY:Mine\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
					{aliceTasks + "mine.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:mine-2\r\nDTSTAMP:20250101T000000Z\r\nDUE:" +
						fmtUTC(e.day.AddDate(0, 0, 3).Add(15*time.Hour)) + "\r\nSUMMARY:My task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"},
				} {
					if resp, body := e.do("PUT", c.path, "alice", "alice-pw", c.body, "Content-Type", "text/calendar"); resp.StatusCode != http.StatusCreated {
						t.Fatalf("PUT %s: %d %s", c.path, resp.StatusCode, body)
					}
				}
				must(t, e.s.SetSetting(ctx, "write-back-mode", mode))
				for _, c := range []struct{ login, coll, newBody string }{
					{"alice", aliceCal, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:new-1\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:" +
						fmtUTC(e.day.AddDate(0, 0, 4).Add(15*time.Hour)) + "\r\nDURATION:PT1H\r\nSUMMARY:New\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
					{"alice", aliceTasks, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:new-2\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:New task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"},
					{"alice", "/dav/addressbooks/alice/contacts/", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new-3\r\nN:Person;New;;;\r\nFN:New Person\r\nORG:Acme\r\nEND:VCARD\r\n"},
					{"bob", "/dav/addressbooks/bob/all-contacts/", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new-4\r\nN:Person;Other;;;\r\nFN:Other Person\r\nEND:VCARD\r\n"},
				} {
					e.checkPrivileges(t, c.login, c.coll, c.newBody)
				}
			})
		})
	}
}

// checkPrivileges tries what a collection's and its members' privilege
// sets say, and what they do not.
func (e *calEnv) checkPrivileges(t *testing.T, login, coll, newBody string) {
	t.Helper()
	privs := e.privileges(t, login, coll, "1")
	pw := login + "-pw"
	ctype := "text/calendar"
	if strings.Contains(coll, "/addressbooks/") {
		ctype = "text/vcard"
	}
	everyUnbind := true
	members := 0
	for href, p := range privs {
		if href == coll {
			continue
		}
		members++
		_, body := e.do("GET", href, login, pw, "")
		resp, out := e.do("PUT", href, login, pw, body, "Content-Type", ctype)
		if ok := resp.StatusCode == http.StatusNoContent; ok != slices.Contains(p, "write-content") {
			t.Errorf("PUT %s: %d %s, but it reports %v", href, resp.StatusCode, out, p)
		}
		kept := strings.NewReplacer("END:VEVENT\r\n", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\n",
			"END:VTODO\r\n", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VTODO\r\n",
			"END:VCARD\r\n", "NICKNAME:Mine\r\nEND:VCARD\r\n").Replace(body)
		resp, out = e.do("PUT", href, login, pw, kept, "Content-Type", ctype)
		if ok := resp.StatusCode == http.StatusNoContent; ok != slices.Contains(p, "write-content") {
			t.Errorf("PUT %s with an alarm or a nickname: %d %s, but it reports %v", href, resp.StatusCode, out, p)
		}
		resp, out = e.do("DELETE", href, login, pw, "")
		if ok := resp.StatusCode == http.StatusNoContent; ok != slices.Contains(p, "unbind") {
			t.Errorf("DELETE %s: %d %s, but it reports %v", href, resp.StatusCode, out, p)
		}
		if !slices.Contains(p, "unbind") {
			everyUnbind = false
		}
		if slices.Contains(p, "write") && !(slices.Contains(p, "write-content") && slices.Contains(p, "unbind") && slices.Contains(p, "write-properties")) {
			t.Errorf("%s reports DAV:write without what it aggregates: %v", href, p)
		}
	}
	if members == 0 {
		t.Fatalf("%s has no members to try", coll)
	}
	p := privs[coll]
	if slices.Contains(p, "unbind") && !everyUnbind {
		t.Errorf("%s reports unbind, but not every member may be deleted: %v", coll, p)
	}
	resp, out := e.do("PUT", coll+"new-object", login, pw, newBody, "Content-Type", ctype)
	if ok := resp.StatusCode == http.StatusCreated; ok != slices.Contains(p, "bind") {
		t.Errorf("PUT of a new object into %s: %d %s, but it reports %v", coll, resp.StatusCode, out, p)
	}
	rename := `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine</d:displayname></d:prop></d:set></d:propertyupdate>`
	resp, out = e.do("PROPPATCH", coll, login, pw, rename)
	if ok := resp.StatusCode == http.StatusMultiStatus && strings.Contains(out, "200 OK"); ok != slices.Contains(p, "write-properties") {
		t.Errorf("PROPPATCH of %s: %d %s, but it reports %v", coll, resp.StatusCode, out, p)
	}
	resp, _ = e.do("PROPPATCH", coll+"new-object", login, pw, rename)
	if resp.StatusCode == http.StatusMultiStatus {
		t.Errorf("PROPPATCH of an object was accepted; objects report no write-properties")
	}
}
