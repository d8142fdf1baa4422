package dav_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// calEnv adds calendar items to the env, dated from today (the server's
// clock is real): alice has an appointment in 2 days and one in 40, a
// calendar to-do in 3 days, a task in 4, a service call in 5 and time off
// (pending) in 6 and (approved) in 7 days.
type calEnv struct {
	*env
	day time.Time
	cc  *caldav.Client
}

const (
	aliceCal   = "/dav/calendars/alice/calendar/"
	aliceTasks = "/dav/calendars/alice/tasks/"
)

func forEachCalEnv(t *testing.T, fn func(t *testing.T, e *calEnv)) {
	forEachEnv(t, func(t *testing.T, e *env) {
		day := time.Now().UTC().Truncate(24 * time.Hour)
		at := func(days, hour int) time.Time { return day.AddDate(0, 0, days).Add(time.Duration(hour) * time.Hour) }
		atp := func(days, hour int) *time.Time { t := at(days, hour); return &t }
		must(t, e.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
			for _, l := range []struct {
				e      mapping.Entity
				field  string
				values []mapping.PicklistValue
			}{
				{mapping.EntityActionTypes, "view", []mapping.PicklistValue{{Value: "11", Label: "Calendar"}, {Value: "12", Label: "To-Do"}}},
				{mapping.EntityTimeOffRequests, "status", []mapping.PicklistValue{{Value: "41", Label: "Submitted"}, {Value: "42", Label: "Approved"}}},
			} {
				if err := tx.SavePicklist(ctx, l.e, l.field, l.values); err != nil {
					return err
				}
			}
			for _, r := range []struct {
				e mapping.Entity
				r mapping.Record
			}{
				{mapping.EntityActionTypes, &mapping.ActionType{ID: 501, Name: "Meeting", View: 11, IsActive: true}},
				{mapping.EntityActionTypes, &mapping.ActionType{ID: 502, Name: "Phone Call", View: 12, IsActive: true}},
				{mapping.EntityAppointments, &mapping.Appointment{ID: 41, ResourceID: 100, Title: "Review", Description: "Agenda",
					StartDateTime: at(2, 9), EndDateTime: at(2, 10)}},
				{mapping.EntityAppointments, &mapping.Appointment{ID: 42, ResourceID: 100, Title: "Later", StartDateTime: at(40, 9), EndDateTime: at(40, 10)}},
				{mapping.EntityCompanyToDos, &mapping.ToDo{ID: 51, CompanyID: 1, ActionType: 501, AssignedToResourceID: 100,
					ActivityDescription: "Meet Ann", StartDateTime: at(3, 9), EndDateTime: at(3, 10)}},
				{mapping.EntityCompanyToDos, &mapping.ToDo{ID: 52, CompanyID: 1, ActionType: 502, AssignedToResourceID: 100,
					ActivityDescription: "Call Ann", ContactID: i64(11), StartDateTime: at(4, 9), EndDateTime: at(4, 10)}},
				{mapping.EntityServiceCalls, &mapping.ServiceCall{ID: 61, CompanyID: 1, StartDateTime: at(5, 8), EndDateTime: at(5, 12)}},
				{mapping.EntityServiceCallTickets, &mapping.ServiceCallTicket{ID: 62, ServiceCallID: 61, TicketID: 63}},
				{mapping.EntityServiceCallTicketResources, &mapping.ServiceCallTicketResource{ID: 64, ServiceCallTicketID: 62, ResourceID: 100}},
				{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 71, ResourceID: 100, Status: 41, Hours: 8, RequestDate: at(6, 0),
					StartTime: atp(6, 8), EndTime: atp(6, 16)}},
				{mapping.EntityTimeOffRequests, &mapping.TimeOffRequest{ID: 72, ResourceID: 100, Status: 42, Hours: 8, RequestDate: at(7, 0),
					StartTime: atp(7, 8), EndTime: atp(7, 16)}},
			} {
				if _, err := tx.UpsertPSA(ctx, r.e, r.r, nil); err != nil {
					return err
				}
			}
			return nil
		}))
		cc, err := caldav.NewClient(e.client("alice", "alice-pw"), e.srv.URL)
		must(t, err)
		fn(t, &calEnv{env: e, day: day, cc: cc})
	})
}

func paths(objs []caldav.CalendarObject) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Path[strings.LastIndex(o.Path, "/")+1:])
	}
	sort.Strings(out)
	return out
}

func (e *calEnv) query(t *testing.T, path string, f caldav.CompFilter) []string {
	t.Helper()
	objs, err := e.cc.QueryCalendar(context.Background(), path, &caldav.CalendarQuery{
		CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
		CompFilter:  caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{f}},
	})
	must(t, err)
	for _, o := range objs {
		if o.Data == nil || len(o.Data.Children) == 0 || o.ETag == "" {
			t.Fatalf("query answer without calendar-data or ETag: %+v", o)
		}
	}
	return paths(objs)
}

func joined(s []string) string { return strings.Join(s, " ") }

// rawQuery sends a calendar-query with the given filter inside VCALENDAR
// and returns the names of the objects it lists.
func (e *calEnv) rawQuery(t *testing.T, path, filter string) []string {
	t.Helper()
	resp, body := e.do("REPORT", path, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR">`+filter+`</C:comp-filter></C:filter></C:calendar-query>`, "Depth", "1")
	if resp.StatusCode != http.StatusMultiStatus {
		t.Fatalf("calendar-query: %d %s", resp.StatusCode, body)
	}
	var out []string
	for _, part := range strings.Split(body, "<d:href>")[1:] {
		href := part[:strings.Index(part, "<")]
		out = append(out, href[strings.LastIndex(href, "/")+1:])
	}
	sort.Strings(out)
	return out
}

func TestCalendarQueryWithGoWebdavClient(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		next30 := caldav.CompFilter{Name: "VEVENT", Start: e.day, End: e.day.AddDate(0, 0, 30)}
		if got := joined(e.query(t, aliceCal, next30)); got != "appointment-41.ics service-call-61.ics time-off-71.ics time-off-72.ics todo-51.ics" {
			t.Fatalf("next 30 days: %s", got)
		}
		// Case-insensitive text match by default; negated; on a property's
		// absence (raw XML: go-webdav's client does not send prop-filters).
		if got := joined(e.rawQuery(t, aliceCal, `<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
			<C:text-match>REVIEW</C:text-match></C:prop-filter></C:comp-filter>`)); got != "appointment-41.ics" {
			t.Fatalf("text-match: %s", got)
		}
		if got := joined(e.rawQuery(t, aliceCal, `<C:comp-filter name="VEVENT">
			<C:time-range start="`+fmtUTC(e.day)+`" end="`+fmtUTC(e.day.AddDate(0, 0, 30))+`"/>
			<C:prop-filter name="SUMMARY"><C:text-match negate-condition="yes">time off</C:text-match></C:prop-filter></C:comp-filter>`)); got != "appointment-41.ics service-call-61.ics todo-51.ics" {
			t.Fatalf("negated text-match: %s", got)
		}
		if got := joined(e.rawQuery(t, aliceCal, `<C:comp-filter name="VEVENT"><C:prop-filter name="STATUS"><C:is-not-defined/></C:prop-filter></C:comp-filter>`)); got != "appointment-41.ics appointment-42.ics service-call-61.ics todo-51.ics" {
			t.Fatalf("is-not-defined: %s", got)
		}
		if got := joined(e.rawQuery(t, aliceCal, `<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
			<C:text-match collation="i;octet">review</C:text-match></C:prop-filter></C:comp-filter>`)); got != "" {
			t.Fatalf("case-sensitive text-match: %s", got)
		}
		// The task list holds VTODOs; a VEVENT filter finds nothing there.
		if got := joined(e.query(t, aliceTasks, caldav.CompFilter{Name: "VTODO", Start: e.day.AddDate(0, 0, 4), End: e.day.AddDate(0, 0, 5)})); got != "todo-52.ics" {
			t.Fatalf("tasks: %s", got)
		}
		if got := e.query(t, aliceTasks, caldav.CompFilter{Name: "VEVENT"}); len(got) != 0 {
			t.Fatalf("VEVENT in tasks: %v", got)
		}
		// A recurring client series matches a range that holds only a later occurrence.
		cal := ical.NewCalendar()
		cal.Props.SetText(ical.PropProductID, "-//go-webdav test//EN")
		cal.Props.SetText(ical.PropVersion, "2.0")
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, "series-1")
		ev.Props.SetDateTime(ical.PropDateTimeStamp, time.Now().UTC())
		ev.Props.SetDateTime(ical.PropDateTimeStart, e.day.AddDate(0, 0, 1).Add(15*time.Hour))
		ev.Props.SetDateTime(ical.PropDateTimeEnd, e.day.AddDate(0, 0, 1).Add(16*time.Hour))
		ev.Props.SetText(ical.PropSummary, "Weekly sync")
		rr := ical.NewProp(ical.PropRecurrenceRule)
		rr.Value = "FREQ=WEEKLY;COUNT=10"
		ev.Props.Set(rr)
		cal.Children = append(cal.Children, ev.Component)
		_, err := e.cc.PutCalendarObject(context.Background(), aliceCal+"series-1.ics", cal)
		must(t, err)
		third := caldav.CompFilter{Name: "VEVENT", Start: e.day.AddDate(0, 0, 15), End: e.day.AddDate(0, 0, 16)}
		if got := joined(e.query(t, aliceCal, third)); got != "series-1.ics" {
			t.Fatalf("series by a later occurrence: %s", got)
		}
		// expand: the instances in the range, in UTC, each with a RECURRENCE-ID.
		resp, body := e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
 <D:prop><D:getetag/><C:calendar-data><C:expand start="`+fmtUTC(e.day)+`" end="`+fmtUTC(e.day.AddDate(0, 0, 20))+`"/></C:calendar-data></D:prop>
 <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
  <C:prop-filter name="UID"><C:text-match collation="i;octet">series-1</C:text-match></C:prop-filter>
 </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`, "Depth", "1")
		if resp.StatusCode != http.StatusMultiStatus || strings.Count(body, "BEGIN:VEVENT") != 3 || strings.Count(body, "RECURRENCE-ID:") != 3 ||
			strings.Contains(body, "RRULE") {
			t.Fatalf("expand: %d %s", resp.StatusCode, body)
		}
		// An unknown collation is refused with its precondition.
		resp, body = e.do("REPORT", aliceCal, "alice", "alice-pw", `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
 <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
 <C:text-match collation="x-unknown">a</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "supported-collation") {
			t.Fatalf("unknown collation: %d %s", resp.StatusCode, body)
		}
		// multiget returns the stored objects.
		objs, err := e.cc.MultiGetCalendar(context.Background(), aliceCal, &caldav.CalendarMultiGet{
			Paths: []string{aliceCal + "appointment-41.ics", aliceCal + "time-off-71.ics"}, CompRequest: caldav.CalendarCompRequest{AllProps: true}})
		must(t, err)
		if len(objs) != 2 || objs[1].Data.Children[0].Props.Get("STATUS").Value != "TENTATIVE" {
			t.Fatalf("multiget: %+v", objs)
		}
	})
}

func fmtUTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func TestFreeBusyQuery(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		// A private client event is busy; a free one is not.
		for _, ev := range []string{
			"UID:private-1\r\nCLASS:PRIVATE\r\nSUMMARY:Secret\r\nDTSTART:" + fmtUTC(e.day.AddDate(0, 0, 8).Add(9*time.Hour)) + "\r\nDURATION:PT1H",
			"UID:free-1\r\nTRANSP:TRANSPARENT\r\nSUMMARY:Free\r\nDTSTART:" + fmtUTC(e.day.AddDate(0, 0, 9).Add(9*time.Hour)) + "\r\nDURATION:PT1H",
		} {
			uid := strings.TrimPrefix(strings.SplitN(ev, "\r\n", 2)[0], "UID:")
			resp, body := e.do("PUT", aliceCal+uid+".ics", "alice", "alice-pw",
				"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nDTSTAMP:20250101T000000Z\r\n"+ev+"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
				"Content-Type", "text/calendar", "If-None-Match", "*")
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("PUT %s: %d %s", uid, resp.StatusCode, body)
			}
		}
		resp, body := e.do("REPORT", aliceCal, "alice", "alice-pw", `<?xml version="1.0" encoding="utf-8"?>
<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="`+fmtUTC(e.day)+`" end="`+fmtUTC(e.day.AddDate(0, 0, 10))+`"/></C:free-busy-query>`,
			"Depth", "1")
		flat := strings.ReplaceAll(body, "\r\n ", "")
		d := func(days, hour int) string {
			return fmtUTC(e.day.AddDate(0, 0, days).Add(time.Duration(hour) * time.Hour))
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") ||
			!strings.Contains(flat, "BEGIN:VFREEBUSY") ||
			!strings.Contains(flat, "FREEBUSY:"+d(2, 9)+"/"+d(2, 10)+","+d(3, 9)+"/"+d(3, 10)+","+d(5, 8)+"/"+d(5, 12)+","+d(7, 8)+"/"+d(7, 16)+","+d(8, 9)+"/"+d(8, 10)) ||
			!strings.Contains(flat, "FREEBUSY;FBTYPE=BUSY-TENTATIVE:"+d(6, 8)+"/"+d(6, 16)) ||
			strings.Contains(flat, d(9, 9)) || strings.Contains(flat, "Secret") {
			t.Fatalf("free-busy: %d %s", resp.StatusCode, flat)
		}
		resp, _ = e.do("REPORT", aliceCal, "alice", "alice-pw", `<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>`)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("free-busy without a range: %d", resp.StatusCode)
		}
	})
}

func TestCalendarWritesOverHTTP(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		ctx := context.Background()
		get := func(path string) (*http.Response, string) { return e.do("GET", path, "alice", "alice-pw", "") }
		put := func(path, body string, h ...string) (*http.Response, string) {
			return e.do("PUT", path, "alice", "alice-pw", body, append([]string{"Content-Type", "text/calendar; charset=utf-8"}, h...)...)
		}
		resp, served := get(aliceCal + "appointment-41.ics")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || etag == "" {
			t.Fatalf("GET: %d", resp.StatusCode)
		}
		// Moved by an hour with the right If-Match: 204 without ETag (the
		// stored object is not the bytes sent), the PSA's title kept.
		start := fmtUTC(e.day.AddDate(0, 0, 2).Add(9 * time.Hour))
		moved := strings.NewReplacer("DTSTART:"+start, "DTSTART:"+fmtUTC(e.day.AddDate(0, 0, 2).Add(10*time.Hour)),
			"DTEND:"+fmtUTC(e.day.AddDate(0, 0, 2).Add(10*time.Hour)), "DTEND:"+fmtUTC(e.day.AddDate(0, 0, 2).Add(11*time.Hour)),
			"SUMMARY:Review", "SUMMARY:Changed on the phone").Replace(served)
		resp, body := put(aliceCal+"appointment-41.ics", moved, "If-Match", etag)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") != "" {
			t.Fatalf("PUT moved: %d ETag %q %s", resp.StatusCode, resp.Header.Get("ETag"), body)
		}
		_, after := get(aliceCal + "appointment-41.ics")
		if !strings.Contains(after, "SUMMARY:Review") || !strings.Contains(after, "DTSTART:"+fmtUTC(e.day.AddDate(0, 0, 2).Add(10*time.Hour))) {
			t.Fatalf("after the move: %s", after)
		}
		ob, err := e.s.Outbox(ctx, storage.OutboxFilter{Entity: string(mapping.EntityAppointments)})
		must(t, err)
		if len(ob) != 1 || ob[0].FieldMask != "endDateTime,startDateTime" {
			t.Fatalf("outbox: %+v", ob)
		}
		// The old ETag no longer matches.
		if resp, _ = put(aliceCal+"appointment-41.ics", moved, "If-Match", etag); resp.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("stale If-Match: %d", resp.StatusCode)
		}
		if resp, _ = put(aliceCal+"appointment-41.ics", moved, "If-None-Match", "*"); resp.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("If-None-Match * on an existing object: %d", resp.StatusCode)
		}
		// Read-only items take a PUT of what the PSA has no field for
		// (readonly_items_test.go): their privilege set says so, and
		// never DAV:write (objects take no PROPPATCH).
		_, body = e.do("PROPFIND", aliceCal+"service-call-61.ics", "alice", "alice-pw",
			`<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>`, "Depth", "0")
		if !strings.Contains(body, "<d:read/>") || !strings.Contains(body, "<d:write-content/>") || strings.Contains(body, "<d:write/>") {
			t.Fatalf("service call privileges: %s", body)
		}
		// Bad objects get the RFC 4791 precondition, never a 500.
		ev := func(lines ...string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCALENDAR\r\n"
		}
		event := "BEGIN:VEVENT\r\nUID:bad-1\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:" + start + "\r\nEND:VEVENT"
		for _, c := range []struct {
			path, body string
			status     int
			cond       string
		}{
			{aliceCal + "t.ics", ev("BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20250101T000000Z\r\nEND:VTODO"), 403, "supported-calendar-component"},
			{aliceTasks + "e.ics", ev(event), 403, "supported-calendar-component"},
			{aliceCal + "m.ics", ev("METHOD:REQUEST", event), 403, "valid-calendar-object-resource"},
			{aliceCal + "two.ics", ev(event, "BEGIN:VTODO\r\nUID:bad-1\r\nDTSTAMP:20250101T000000Z\r\nEND:VTODO"), 403, "valid-calendar-object-resource"},
			{aliceCal + "tz.ics", ev("BEGIN:VEVENT\r\nUID:bad-2\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;TZID=Atlantis/Capital:20250101T100000\r\nEND:VEVENT"), 403, "valid-calendar-object-resource"},
			{aliceCal + "junk.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT;;;\r\n", 403, "valid-calendar-data"},
			{aliceCal + "dup.ics", ev(strings.Replace(event, "UID:bad-1", "UID:psadav-appointment-41", 1)), 403, "no-uid-conflict"},
		} {
			resp, body := put(c.path, c.body)
			if resp.StatusCode != c.status || !strings.Contains(body, c.cond) {
				t.Errorf("PUT %s: %d %s, want %d %s", c.path, resp.StatusCode, body, c.status, c.cond)
			}
		}
		// An IANA TZID without VTIMEZONE is accepted.
		resp, body = put(aliceCal+"nyc.ics", ev("BEGIN:VEVENT\r\nUID:nyc-1\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;TZID=America/New_York:"+
			e.day.AddDate(0, 0, 3).Format("20060102")+"T090000\r\nDURATION:PT1H\r\nSUMMARY:NY\r\nEND:VEVENT"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("IANA TZID: %d %s", resp.StatusCode, body)
		}
		// Strict mode refuses a title change, naming the field.
		must(t, e.s.SetSetting(ctx, "write-back-mode", "strict"))
		_, served = get(aliceCal + "appointment-41.ics")
		resp, body = put(aliceCal+"appointment-41.ics", strings.Replace(served, "SUMMARY:Review", "SUMMARY:Mine", 1))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<psadav:read-only-property><psadav:property>SUMMARY</psadav:property>") {
			t.Fatalf("strict: %d %s", resp.StatusCode, body)
		}
	})
}

// TestClientFixturesOverHTTP PUTs each client-shaped fixture and reads it
// back: events into the calendar, tasks into the task list.
func TestClientFixturesOverHTTP(t *testing.T) {
	forEachCalEnv(t, func(t *testing.T, e *calEnv) {
		files, err := filepath.Glob("../mapping/testdata/clients/*.ics")
		must(t, err)
		for _, file := range files {
			b, err := os.ReadFile(file)
			must(t, err)
			coll := aliceCal
			if strings.Contains(file, "task") {
				coll = aliceTasks
			}
			name := filepath.Base(file)
			resp, body := e.do("PUT", coll+name, "alice", "alice-pw", string(b), "Content-Type", "text/calendar", "If-None-Match", "*")
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("PUT %s: %d %s", name, resp.StatusCode, body)
				continue
			}
			_, got := e.do("GET", coll+name, "alice", "alice-pw", "")
			o, err := mapping.ParseCalendarObject([]byte(got), time.UTC)
			if err != nil {
				t.Errorf("GET %s: %v", name, err)
				continue
			}
			want, _ := mapping.ParseCalendarObject(b, time.UTC)
			if o.UID != want.UID || mapping.TextValue(o.Master.Props.Get("SUMMARY")) != mapping.TextValue(want.Master.Props.Get("SUMMARY")) {
				t.Errorf("%s read back with UID %q SUMMARY %q", name, o.UID, mapping.TextValue(o.Master.Props.Get("SUMMARY")))
			}
			for name := range want.Master.Props {
				if strings.HasPrefix(name, "X-") && o.Master.Props.Get(name) == nil {
					t.Errorf("%s lost %s", file, name)
				}
			}
		}
	})
}
