package mapping

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateICalGolden = flag.Bool("update-ical", false, "rewrite mapping/testdata/golden/*.ics from the renderers")

const testLinks = "https://psa.example.com/Open{entity}?id={id}"

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func tp(s string) *time.Time { t := utc(s); return &t }

func berlin(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// golden compares a rendering with testdata/golden/name (or rewrites it).
func golden(t *testing.T, name string, got []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkFolded(t, got)
	path := filepath.Join("testdata", "golden", name)
	if *updateICalGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./mapping -update-ical to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
	if _, err := ParseCalendarObject(got, time.UTC); err != nil {
		t.Errorf("%s does not parse back: %v", name, err)
	}
}

// checkFolded: every line ends in CRLF and is at most 75 octets.
func checkFolded(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Errorf("body does not end in CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF", i+1)
		}
	}
}

var acme = &Company{ID: 1, CompanyName: "Acme, Inc.", Address1: "1 Main Street", City: "Springfield", State: "IL", PostalCode: "62701"}

func TestRenderGolden(t *testing.T) {
	appt := AppointmentView{Appointment: Appointment{ID: 77, ResourceID: 100, Title: "Quarterly review; Acme",
		Description:   "Agenda:\n- numbers\n- next steps with a long line that certainly needs folding at seventy-five octets",
		StartDateTime: utc("2025-03-28T09:00:00Z"), EndDateTime: utc("2025-03-31T10:30:00Z"),
		CreateDateTime: tp("2025-03-01T08:00:00Z"), UpdateDateTime: tp("2025-03-02T08:00:00Z")}}
	utcCtx := CalendarContext{LinkTemplate: testLinks}
	berlinCtx := CalendarContext{Location: berlin(t), LinkTemplate: testLinks}
	b, err := RenderAppointment(appt, utcCtx)
	golden(t, "appointment-utc.ics", b, err)
	b, err = RenderAppointment(appt, berlinCtx)
	golden(t, "appointment-berlin.ics", b, err)

	todo := ToDoView{ToDo: ToDo{ID: 5, CompanyID: 1, ActionType: 501, ActivityDescription: "Call about the renewal",
		AssignedToResourceID: 100, ContactID: ptrI(11), StartDateTime: utc("2025-06-02T13:00:00Z"), EndDateTime: utc("2025-06-02T13:30:00Z"),
		LastModifiedDate: tp("2025-05-30T10:00:00Z")},
		ActionType: &ActionType{ID: 501, Name: "Phone Call"}, Company: acme,
		Contact: &Contact{ID: 11, FirstName: "Ann", LastName: "Acme", Phone: "+1 555 0100", Extension: "12"}}
	b, err = RenderToDo(todo, false, berlinCtx)
	golden(t, "todo-event-berlin.ics", b, err)
	b, err = RenderToDo(todo, true, utcCtx)
	golden(t, "todo-task-open.ics", b, err)
	todo.ToDo.CompletedDate = tp("2025-06-02T14:05:00Z")
	b, err = RenderToDo(todo, true, utcCtx)
	golden(t, "todo-task-completed.ics", b, err)

	call := ServiceCallView{Call: ServiceCall{ID: 9, CompanyID: 1, CompanyLocationID: ptrI(3), Description: "Replace the failed disk",
		StartDateTime: utc("2025-07-01T07:00:00Z"), EndDateTime: utc("2025-07-01T09:00:00Z")},
		Company: acme, Location: &CompanyLocation{ID: 3, CompanyID: 1, Name: "Warehouse", Address1: "9 Dock Road", City: "Springfield", PostalCode: "62702"},
		Tickets: []Ticket{{ID: 7, TicketNumber: "T20250630.0001", Title: "NAS degraded"}},
		Tasks:   []Task{{ID: 8, Title: "Test the restore"}}, Status: "Scheduled"}
	b, err = RenderServiceCall(call, berlinCtx)
	golden(t, "service-call-berlin.ics", b, err)

	off := TimeOffView{Request: TimeOffRequest{ID: 3, ResourceID: 100, RequestDate: utc("2025-08-04T00:00:00Z"), Hours: 8,
		StartTime: tp("2025-08-04T07:00:00Z"), EndTime: tp("2025-08-04T15:00:00Z"), Status: 41}, State: TimeOffPending}
	b, err = RenderTimeOff(off, utcCtx)
	golden(t, "time-off-pending.ics", b, err)
}

func ptrI(v int64) *int64 { return &v }

func TestRenderRules(t *testing.T) {
	ctx := CalendarContext{LinkTemplate: testLinks}
	off := TimeOffView{Request: TimeOffRequest{ID: 3, Hours: 4.5, StartTime: tp("2025-08-04T07:00:00Z"), EndTime: tp("2025-08-04T11:30:00Z")},
		State: TimeOffApproved}
	b, err := RenderTimeOff(off, ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SUMMARY:Time Off Request - 4.50 hours\r\n", "DESCRIPTION:\r\n", "TRANSP:OPAQUE\r\n",
		"STATUS:CONFIRMED\r\n", "URL:https://psa.example.com/OpenTimeOffRequest?id=3\r\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("time off lacks %q:\n%s", want, b)
		}
	}
	off.Request.StartTime = nil
	if b, err := RenderTimeOff(off, ctx); b != nil || err != nil {
		t.Errorf("a request without times rendered: %s %v", b, err)
	}
	if got := ToDoSummary("Meeting", ""); got != "Meeting" {
		t.Errorf("summary without company = %q", got)
	}
	// Every item links to the PSA twice: URL and the last DESCRIPTION line.
	b, _ = RenderAppointment(AppointmentView{Appointment: Appointment{ID: 77, Title: "x", StartDateTime: utc("2025-01-01T10:00:00Z"),
		EndDateTime: utc("2025-01-01T11:00:00Z")}}, ctx)
	o, err := ParseCalendarObject(b, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	link := "https://psa.example.com/OpenAppointment?id=77"
	if propText(o.Master, "URL") != link || !strings.HasSuffix(propText(o.Master, "DESCRIPTION"), linkLabel+link) {
		t.Errorf("links: URL %q DESCRIPTION %q", propText(o.Master, "URL"), propText(o.Master, "DESCRIPTION"))
	}
	// A client-created row the PSA has not accepted has no link yet.
	b, _ = RenderAppointment(AppointmentView{Appointment: Appointment{ID: -4, Title: "x", StartDateTime: utc("2025-01-01T10:00:00Z"),
		EndDateTime: utc("2025-01-01T11:00:00Z")}, ClientUID: "client-1"}, ctx)
	if strings.Contains(string(b), "URL") || !strings.Contains(string(b), "UID:client-1\r\n") {
		t.Errorf("local appointment:\n%s", b)
	}
}

func TestVTimezoneFromGo(t *testing.T) {
	loc := berlin(t)
	tz := vtimezone(loc, utc("2025-06-01T00:00:00Z"), utc("2025-06-01T00:00:00Z"))
	var got []string
	for _, c := range tz.Children {
		got = append(got, c.Name+" "+c.Props.Get("DTSTART").Value+" "+c.Props.Get("TZOFFSETFROM").Value+">"+c.Props.Get("TZOFFSETTO").Value)
	}
	want := []string{"STANDARD 20241027T030000 +0200>+0100", "DAYLIGHT 20250330T020000 +0100>+0200", "STANDARD 20251026T030000 +0200>+0100"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Berlin 2025 observances:\n%v\nwant\n%v", got, want)
	}
	// A zone without changes gets one STANDARD.
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	tz = vtimezone(tokyo, utc("2025-06-01T00:00:00Z"), utc("2026-02-01T00:00:00Z"))
	if len(tz.Children) != 1 || tz.Children[0].Props.Get("TZOFFSETTO").Value != "+0900" {
		t.Fatalf("Tokyo: %+v", tz.Children)
	}
	// The generated VTIMEZONE reads back like Go's zone, across both changes.
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"} {
		loc, _ := time.LoadLocation(zone)
		from, to := utc("2025-01-01T00:00:00Z"), utc("2026-12-31T00:00:00Z")
		z, err := parseVTimezone(vtimezone(loc, from, to))
		if err != nil {
			t.Fatal(err)
		}
		for at := from; at.Before(to); at = at.Add(7 * time.Hour) {
			_, off := at.In(loc).Zone()
			if got := z.offsetAt(at); got != off {
				t.Fatalf("%s at %s: offset %d, Go says %d", zone, at, got, off)
			}
			wall := wallOf(at.In(loc))
			if back := z.instant(wall); !back.Equal(at) && off == z.offsetAt(at.Add(-2*time.Hour)) {
				t.Fatalf("%s: wall %s read back as %s, want %s", zone, wall, back, at)
			}
		}
	}
}
