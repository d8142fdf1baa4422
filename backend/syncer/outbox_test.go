package syncer_test

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// firstAppointment is a mirrored appointment of a technician with an account.
func (h *harness) firstAppointment(resource int64) (int64, int64, *mapping.Appointment) {
	h.t.Helper()
	ids, err := h.s.LivePSAIDs(context.Background(), mapping.EntityAppointments, nil)
	must(h.t, err)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		rid := h.ridOf(mapping.EntityAppointments, id)
		rec, _ := h.record(mapping.EntityAppointments, rid)
		if a := rec.(*mapping.Appointment); a.ResourceID == resource {
			return id, rid, a
		}
	}
	h.t.Fatal("no appointment of the technician")
	return 0, 0, nil
}

func TestMovedAppointmentIsOnePatch(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		tech := h.seeded.Logins["jbecker"]
		h.tick()
		id, rid, a := h.firstAppointment(tech)
		_, before := h.record(mapping.EntityAppointments, rid)
		start, end := a.StartDateTime.Add(26*time.Hour), a.EndDateTime.Add(26*time.Hour)
		// As the calendar stream enqueues a client's move: only start and end.
		entry := h.clientUpdate(mapping.EntityAppointments, rid, func(rec any) {
			r := rec.(*mapping.Appointment)
			r.StartDateTime, r.EndDateTime = start, end
		}, map[string]any{"startDateTime": start.Format(time.RFC3339), "endDateTime": end.Format(time.RFC3339)}, &tech)
		h.ft.ResetLog()
		clk.add(time.Minute)
		if n := h.push(); n != 1 {
			t.Fatalf("settled %d", n)
		}
		w := h.writes()
		if len(w) != 1 || w[0].Method != "PATCH" || w[0].Path != "v1.0/Appointments" || w[0].Impersonate != itoa(tech) {
			t.Fatalf("writes: %+v", w)
		}
		body := bodyFields(t, w[0].Body)
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != "endDateTime,id,startDateTime" || body["id"] != float64(id) {
			t.Fatalf("PATCH body %s: want only id, start and end", w[0].Body)
		}
		if puts := h.ft.Count(func(r fakeautotask.Request) bool { return r.Method == "PUT" }); puts != 0 {
			t.Fatal("PUT used")
		}
		e := h.entry(entry)
		if e.State != storage.OutboxDone {
			t.Fatalf("entry %+v", e)
		}
		psa, _ := h.ft.Record(mapping.EntityAppointments, id)
		if got, _ := psa["startDateTime"].(string); !strings.HasPrefix(got, start.Format("2006-01-02T15:04:05")) {
			t.Fatalf("PSA start %v, want %s", psa["startDateTime"], start)
		}
		// The read-back stored the PSA's new stamp and raw.
		rec, after := h.record(mapping.EntityAppointments, rid)
		if after.PSAStamp == nil || (before.PSAStamp != nil && !after.PSAStamp.After(*before.PSAStamp)) ||
			!strings.Contains(after.Raw, start.Format("2006-01-02T15:04:05")) || !rec.(*mapping.Appointment).StartDateTime.Equal(start) {
			t.Fatalf("read-back: stamp %v→%v raw %s", before.PSAStamp, after.PSAStamp, after.Raw)
		}
		if after.SyncState != storage.SyncClean {
			t.Fatalf("sync state %d", after.SyncState)
		}
	})
}

func TestOutageWaitsAndLosesNothing(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		h.tick()
		ctx := context.Background()
		ids, _ := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		var entries []int64
		for i, id := range ids[10:16] {
			title := "Outage survivor " + itoa(int64(i))
			entries = append(entries, h.clientUpdate(mapping.EntityContacts, h.ridOf(mapping.EntityContacts, id),
				func(rec any) { rec.(*mapping.Contact).Title = title }, map[string]any{"title": title}, nil))
		}
		h.ft.SetOutage(true)
		h.ft.ResetLog()
		// Eight minutes of 503s, checked every ten seconds.
		for i := 0; i < 48; i++ {
			clk.add(10 * time.Second)
			if n := h.push(); n != 0 {
				t.Fatalf("settled %d during the outage", n)
			}
		}
		during := h.ft.Count(nil)
		for _, id := range entries {
			if e := h.entry(id); e.State != storage.OutboxPending {
				t.Fatalf("entry %d left the queue during the outage: %+v", id, e)
			}
		}
		if during > 12 {
			t.Errorf("%d requests during 8 minutes of outage: the worker should back off", during)
		}
		first := h.entry(entries[0])
		if first.Attempts < 3 || !first.NextAttemptAt.After(clk.now()) || !strings.Contains(first.LastError, "503") {
			t.Fatalf("backoff not recorded: %+v", first)
		}
		h.ft.SetOutage(false)
		for i := 0; i < 200 && h.pending() > 0; i++ {
			clk.add(30 * time.Second)
			h.push()
		}
		if n := h.pending(); n != 0 {
			t.Fatalf("%d write-backs still pending after the PSA recovered", n)
		}
		perRecord := map[string]int{}
		for _, w := range h.writes() {
			perRecord[w.Body]++
		}
		if len(perRecord) != len(entries) {
			t.Fatalf("%d distinct writes arrived, want %d", len(perRecord), len(entries))
		}
		for body, n := range perRecord {
			if n != 1 {
				t.Fatalf("sent %d times: %s", n, body)
			}
		}
		for i, id := range ids[10:16] {
			psa, _ := h.ft.Record(mapping.EntityContacts, id)
			if psa["title"] != "Outage survivor "+itoa(int64(i)) {
				t.Fatalf("contact %d: %v", id, psa["title"])
			}
		}
		t.Logf("outage: %d requests in 8 minutes of 503s, first entry took %d attempts", during, h.entry(entries[0]).Attempts)
	})
}

func (h *harness) pending() int {
	h.t.Helper()
	c, err := h.s.OutboxCounts(context.Background())
	must(h.t, err)
	return c[storage.OutboxPending]
}

func TestRefusedWritesRestoreThePSAVersion(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		alice := h.account("awalker", storage.ScopeAll)
		h.tick()
		ctx := context.Background()
		book, _ := s.UserCollection(ctx, alice.ID, storage.CollContacts)
		ids, _ := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		id := ids[3]
		rid := h.ridOf(mapping.EntityContacts, id)
		orig, _ := h.record(mapping.EntityContacts, rid)
		origTitle := orig.(*mapping.Contact).Title
		// The tenant's limit is stricter than psadav's default.
		h.ft.SetFieldLength(mapping.EntityContacts, "title", 10)
		entry := h.clientUpdate(mapping.EntityContacts, rid, func(rec any) { rec.(*mapping.Contact).Title = "Vice President Sales" },
			map[string]any{"title": "Vice President Sales"}, nil)
		token, _ := s.SyncToken(ctx, book)
		clk.add(time.Minute)
		h.push()
		e := h.entry(entry)
		if e.State != storage.OutboxFailed || !strings.Contains(e.LastError, "exceeds the maximum length of 10") {
			t.Fatalf("entry %+v", e)
		}
		failed, _ := s.Outbox(ctx, storage.OutboxFilter{States: []storage.OutboxState{storage.OutboxFailed}})
		if len(failed) != 1 || failed[0].Payload != `{"title":"Vice President Sales"}` {
			t.Fatalf("outbox list: %+v", failed)
		}
		rec, env := h.record(mapping.EntityContacts, rid)
		if rec.(*mapping.Contact).Title != origTitle || env.SyncState != storage.SyncPushFailed {
			t.Fatalf("mirror not restored: %q (was %q) state %d", rec.(*mapping.Contact).Title, origTitle, env.SyncState)
		}
		cs, _ := s.Changes(ctx, book, token, 0)
		href := mapping.Href(mapping.KindContact, id)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != href {
			t.Fatalf("the client's next sync: %+v", cs.Changes)
		}
		obj, _ := s.GetObject(ctx, book.ID, href)
		if strings.Contains(string(obj.Body), "Vice President") {
			t.Fatalf("card still shows the refused value:\n%s", obj.Body)
		}

		// Missing permission: the PSA's message, the appointment restored.
		h.ft.DenyWrites(mapping.EntityAppointments, "The logged in Resource does not have the adequate permissions to update this entity.")
		tech := h.seeded.Logins["jbecker"]
		_, arid, a := h.firstAppointment(tech)
		origStart := a.StartDateTime
		entry = h.clientUpdate(mapping.EntityAppointments, arid, func(rec any) {
			rec.(*mapping.Appointment).StartDateTime = origStart.Add(time.Hour)
		}, map[string]any{"startDateTime": origStart.Add(time.Hour).Format(time.RFC3339)}, &tech)
		h.push()
		if e := h.entry(entry); e.State != storage.OutboxFailed || !strings.Contains(e.LastError, "adequate permissions") {
			t.Fatalf("permission refusal: %+v", e)
		}
		rec, _ = h.record(mapping.EntityAppointments, arid)
		if !rec.(*mapping.Appointment).StartDateTime.Equal(origStart) {
			t.Fatal("appointment not restored")
		}

		// A refused create: the client's card goes, the outbox keeps it.
		var crid, centry int64
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			c := &mapping.Contact{CompanyID: 174, IsActive: 1, FirstName: "Nia", LastName: "New", Title: "Far too long a title"}
			if crid, err = tx.InsertClient(ctx, mapping.EntityContacts, c, alice.ID, "nia-uid"); err != nil {
				return err
			}
			centry, err = tx.Enqueue(ctx, mapping.EntityContacts, crid, storage.OpCreate, map[string]any{"companyID": 174,
				"isActive": 1, "firstName": "Nia", "lastName": "New", "title": "Far too long a title"}, &alice.ID, nil)
			return err
		}))
		h.push()
		if e := h.entry(centry); e.State != storage.OutboxFailed || !strings.Contains(e.Payload, "Nia") {
			t.Fatalf("refused create: %+v", e)
		}
		if _, env := h.record(mapping.EntityContacts, crid); env.Live() {
			t.Fatal("the refused create is still in the client's book")
		}
		if _, err := s.GetObject(ctx, book.ID, mapping.Href(mapping.KindContact, -crid)); err == nil {
			t.Fatal("the refused contact's card is still served")
		}
	})
}

func TestLostUpdateSendsOnlyWhatThePSADidNotChange(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		tech := h.seeded.Logins["jbecker"]
		h.tick()
		id, rid, a := h.firstAppointment(tech)
		start := a.StartDateTime.Add(time.Hour)
		entry := h.clientUpdate(mapping.EntityAppointments, rid, func(rec any) {
			r := rec.(*mapping.Appointment)
			r.Title, r.StartDateTime = "Client title", start
		}, map[string]any{"title": "Client title", "startDateTime": start.Format(time.RFC3339)}, &tech)
		// Meanwhile someone renames it in the PSA.
		clk.add(time.Minute)
		must(t, h.ft.Update(mapping.EntityAppointments, id, map[string]any{"title": "Renamed in the PSA"}, tech))
		h.ft.ResetLog()
		h.push()
		w := h.writes()
		if len(w) != 1 {
			t.Fatalf("writes %+v", w)
		}
		body := bodyFields(t, w[0].Body)
		if _, sent := body["title"]; sent || body["startDateTime"] == nil {
			t.Fatalf("PATCH %s: the PSA's newer title must stay, the start must go", w[0].Body)
		}
		hist, _ := s.OutboxHistory(context.Background(), entry)
		var decided string
		for _, ev := range hist {
			if ev.Kind == "decided" {
				decided = ev.Message
			}
		}
		if !strings.Contains(decided, "the PSA changed title too") || !strings.Contains(decided, "sending the client's startDateTime") {
			t.Fatalf("decision not recorded: %+v", hist)
		}
		rec, _ := h.record(mapping.EntityAppointments, rid)
		if r := rec.(*mapping.Appointment); r.Title != "Renamed in the PSA" || !r.StartDateTime.Equal(start) {
			t.Fatalf("mirror after the merge: %q %s", r.Title, r.StartDateTime)
		}
	})
}

func TestCreatesResolveLocalReferences(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		alice := h.account("awalker", storage.ScopeAll)
		h.tick()
		ctx := context.Background()
		var company, contact, ce, ke int64
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			co := &mapping.Company{CompanyName: "Brand New Ltd", IsActive: true, Phone: "+1 555 0199",
				CompanyType: ptrI(31), OwnerResourceID: ptrI(h.seeded.Logins["awalker"])}
			if company, err = tx.InsertClient(ctx, mapping.EntityCompanies, co, alice.ID, ""); err != nil {
				return err
			}
			if ce, err = tx.Enqueue(ctx, mapping.EntityCompanies, company, storage.OpCreate, map[string]any{"companyName": "Brand New Ltd",
				"isActive": true, "phone": "+1 555 0199", "companyType": 31, "ownerResourceID": h.seeded.Logins["awalker"]}, &alice.ID, nil); err != nil {
				return err
			}
			c := &mapping.Contact{CompanyID: -company, IsActive: 1, FirstName: "Nia", LastName: "New"}
			if contact, err = tx.InsertClient(ctx, mapping.EntityContacts, c, alice.ID, "nia-uid"); err != nil {
				return err
			}
			ke, err = tx.Enqueue(ctx, mapping.EntityContacts, contact, storage.OpCreate, map[string]any{"companyID": -company,
				"isActive": 1, "firstName": "Nia", "lastName": "New"}, &alice.ID, nil)
			return err
		}))
		h.ft.ResetLog()
		h.push()
		if e := h.entry(ce); e.State != storage.OutboxDone {
			t.Fatalf("company create: %+v", e)
		}
		if e := h.entry(ke); e.State != storage.OutboxDone {
			t.Fatalf("contact create: %+v", e)
		}
		_, cenv := h.record(mapping.EntityCompanies, company)
		rec, kenv := h.record(mapping.EntityContacts, contact)
		if cenv.PSAID == nil || kenv.PSAID == nil || rec.(*mapping.Contact).CompanyID != *cenv.PSAID {
			t.Fatalf("ids: company %v contact %v companyID %d", cenv.PSAID, kenv.PSAID, rec.(*mapping.Contact).CompanyID)
		}
		var paths []string
		for _, w := range h.writes() {
			paths = append(paths, w.Method+" "+w.Path)
		}
		want := "POST v1.0/Companies,POST v1.0/Companies/" + itoa(*cenv.PSAID) + "/Contacts"
		if strings.Join(paths, ",") != want {
			t.Fatalf("writes %v, want %s", paths, want)
		}
		book, _ := s.UserCollection(ctx, alice.ID, storage.CollContacts)
		if _, err := s.GetObject(ctx, book.ID, mapping.Href(mapping.KindContact, *kenv.PSAID)); err != nil {
			t.Fatalf("the accepted contact is not at its PSA href: %v", err)
		}
	})
}

func ptrI(n int64) *int64 { return &n }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
