package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// contactsFixture is newFixture plus what client writes of contacts need:
// the PSA's own company (id 0, the default), countries, picklists.
func contactsFixture(t *testing.T, s *storage.Store) *fixture {
	t.Helper()
	f := newFixture(t, s)
	must(t, s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.SavePicklist(ctx, mapping.EntityCompanies, "companyType", []mapping.PicklistValue{
			{Value: "31", Label: "Customer"}, {Value: "33", Label: "Prospect"}}); err != nil {
			return err
		}
		recs := []struct {
			e mapping.Entity
			r mapping.Record
		}{
			{mapping.EntityCountries, &mapping.Country{ID: 403, CountryCode: "DE", Name: "Germany", DisplayName: "Deutschland", IsActive: true}},
			{mapping.EntityCompanies, &mapping.Company{ID: 0, CompanyName: "Northwind IT", OwnerResourceID: i64(300), IsActive: true}},
		}
		for _, r := range recs {
			if _, err := tx.UpsertPSA(ctx, r.e, r.r, nil); err != nil {
				return err
			}
		}
		return nil
	}))
	return f
}

func setting(t *testing.T, s *storage.Store, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		must(t, s.SetSetting(context.Background(), kv[i], kv[i+1]))
	}
}

func putCard(s *storage.Store, acct storage.Account, c storage.Collection, href, body string, pre ...string) (storage.PutResult, error) {
	req := storage.PutRequest{Account: acct, Collection: c, Href: href, Body: []byte(body), ContentType: "text/vcard"}
	if len(pre) == 2 {
		req.IfMatch, req.IfNoneMatch = pre[0], pre[1]
	}
	return s.PutObject(context.Background(), req)
}

func body(t *testing.T, s *storage.Store, c storage.Collection, href string) string {
	t.Helper()
	o, err := s.GetObject(context.Background(), c.ID, href)
	must(t, err)
	return strings.ReplaceAll(string(o.Body), "\r\n ", "")
}

// edit changes a stored card the way a client edits it: lines replaced
// (by property prefix) or added before END.
func edit(card string, set map[string]string, add ...string) string {
	lines := strings.Split(strings.TrimSuffix(card, "\r\n"), "\r\n")
	var out []string
	for _, l := range lines {
		replaced := false
		for prefix, v := range set {
			if strings.HasPrefix(l, prefix) {
				if v != "" {
					out = append(out, v)
				}
				replaced = true
			}
		}
		if !replaced && l != "END:VCARD" {
			out = append(out, l)
		}
	}
	out = append(append(out, add...), "END:VCARD")
	return strings.Join(out, "\r\n") + "\r\n"
}

func newCard(uid string, lines ...string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCARD\r\n"
}

func outbox(t *testing.T, s *storage.Store) []storage.OutboxEntry {
	t.Helper()
	es, err := s.Outbox(context.Background(), storage.OutboxFilter{})
	must(t, err)
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i] // oldest first
	}
	return es
}

func contactByRef(t *testing.T, s *storage.Store, ref int64) (mapping.Contact, storage.Envelope) {
	t.Helper()
	var c mapping.Contact
	var env storage.Envelope
	must(t, s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		rec, e, err := tx.RecordByRef(ctx, mapping.EntityContacts, ref)
		if err == nil {
			c, env = *rec.(*mapping.Contact), e
		}
		return err
	}))
	return c, env
}

func wantRefusal(t *testing.T, err error, code mapping.RefusalCode) *mapping.Refusal {
	t.Helper()
	var r *mapping.Refusal
	if !errors.As(err, &r) || r.Code != code {
		t.Fatalf("got %v, want refusal %d", err, code)
	}
	return r
}

// psa-master (the default): a PUT on a PSA contact changes no PSA field,
// answers without an ETag, and keeps what the PSA cannot hold for that
// user only; strict mode refuses instead, changing nothing.
func TestContactPutPSAMaster(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		before := body(t, s, f.aliceBk, "contact-11.vcf")
		sent := edit(before, map[string]string{"TITLE": ""}, "TITLE:Boss", "TEL;TYPE=HOME:+49 89 777", "BDAY:1980-02-29")
		res, err := putCard(s, f.alice, f.aliceBk, "contact-11.vcf", sent)
		must(t, err)
		if res.ETag != "" || res.Created {
			t.Fatalf("result %+v", res)
		}
		c, env := contactByRef(t, s, 11)
		if c.Title != "" || env.SyncState != storage.SyncClean || len(outbox(t, s)) != 0 {
			t.Fatalf("PSA field changed: %+v %+v", c, env)
		}
		got := body(t, s, f.aliceBk, "contact-11.vcf")
		for _, want := range []string{"TEL;TYPE=HOME:+49 89 777\r\n", "BDAY:1980-02-29\r\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("kept %q missing:\n%s", want, got)
			}
		}
		if strings.Contains(got, "TITLE") {
			t.Errorf("discarded TITLE served:\n%s", got)
		}
		if other := body(t, s, f.bobAll, "contact-11.vcf"); strings.Contains(other, "BDAY") {
			t.Errorf("alice's kept properties leaked into bob's book:\n%s", other)
		}

		setting(t, s, "write-back-mode", "strict")
		_, err = putCard(s, f.alice, f.aliceBk, "contact-11.vcf", edit(got, nil, "TITLE:Boss", "NICKNAME:Annie"))
		if r := wantRefusal(t, err, mapping.RefuseReadOnlyField); strings.Join(r.Fields, ",") != "TITLE" {
			t.Fatalf("strict refusal fields %v", r.Fields)
		}
		if after := body(t, s, f.aliceBk, "contact-11.vcf"); after != got {
			t.Fatalf("a refused PUT changed the card:\n%s", after)
		}
	})
}

// two-way: mapped fields change in the mirror (every book, same
// transaction) and one outbox update carries only the changed fields; an
// ORG change is not an update.
func TestContactPutTwoWay(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		setting(t, s, "contact-policy", "two-way")
		card := body(t, s, f.aliceBk, "contact-12.vcf")
		_, err := putCard(s, f.alice, f.aliceBk, "contact-12.vcf",
			edit(card, nil, "TITLE:Engineer", "TEL;TYPE=CELL:+49 171 1", "EMAIL;TYPE=WORK:art@acme.example"))
		must(t, err)
		c, env := contactByRef(t, s, 12)
		if c.Title != "Engineer" || c.MobilePhone != "+49 171 1" || c.EmailAddress != "art@acme.example" || env.SyncState != storage.SyncPushPending {
			t.Fatalf("mirror %+v", c)
		}
		var raw mapping.Contact
		must(t, json.Unmarshal([]byte(env.Raw), &raw))
		if raw.Title != "" {
			t.Fatalf("raw changed: %s", env.Raw)
		}
		es := outbox(t, s)
		if len(es) != 1 || es[0].Op != storage.OpUpdate || es[0].FieldMask != "emailAddress,mobilePhone,title" ||
			es[0].AsResourceID == nil || *es[0].AsResourceID != 100 {
			t.Fatalf("outbox %+v", es)
		}
		if !strings.Contains(body(t, s, f.bobAll, "contact-12.vcf"), "TITLE:Engineer\r\n") {
			t.Fatal("bob's all-contacts book does not show the change")
		}

		card = body(t, s, f.aliceBk, "contact-12.vcf")
		res, err := putCard(s, f.alice, f.aliceBk, "contact-12.vcf", edit(card, map[string]string{"ORG:": "ORG:Globex"}))
		must(t, err)
		if res.ETag != "" || len(outbox(t, s)) != 1 || body(t, s, f.aliceBk, "contact-12.vcf") != card {
			t.Fatalf("an ORG change was applied: %+v", res)
		}
		setting(t, s, "write-back-mode", "strict")
		_, err = putCard(s, f.alice, f.aliceBk, "contact-12.vcf", edit(card, map[string]string{"ORG:": "ORG:Globex"}))
		if r := wantRefusal(t, err, mapping.RefuseReadOnlyField); r.Fields[0] != "ORG" {
			t.Fatalf("%+v", r)
		}
	})
}

// A 300-character TITLE is refused with TITLE and its limit; nothing
// changes. So is a malformed card over an existing contact.
func TestContactPutBadInputChangesNothing(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		card := body(t, s, f.aliceBk, "contact-11.vcf")
		token, err := s.SyncToken(ctx, f.aliceBk)
		must(t, err)
		for _, policy := range []string{"psa-master", "two-way"} {
			setting(t, s, "contact-policy", policy)
			_, err := putCard(s, f.alice, f.aliceBk, "contact-11.vcf", edit(card, nil, "TITLE:"+strings.Repeat("t", 300)))
			if r := wantRefusal(t, err, mapping.RefuseTooLong); r.Fields[0] != "TITLE" || r.Limit != 50 || !strings.Contains(r.Message, "50") {
				t.Fatalf("%s: %+v", policy, r)
			}
		}
		for _, bad := range []string{"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x", "garbage", "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n"} {
			_, err := putCard(s, f.alice, f.aliceBk, "contact-11.vcf", bad)
			var r *mapping.Refusal
			if !errors.As(err, &r) {
				t.Fatalf("%q: %v", bad, err)
			}
		}
		if after, _ := s.SyncToken(ctx, f.aliceBk); after != token || body(t, s, f.aliceBk, "contact-11.vcf") != card || len(outbox(t, s)) != 0 {
			t.Fatal("a refused PUT changed something")
		}
	})
}

// A client's new card becomes a client-created contact under its ORG's
// company, with one outbox create carrying what the PSA needs; the same
// href and UID PUT again creates nothing more.
func TestContactCreate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		card := newCard("phone-uid-1", "N:Nguyen;Linh;;;", "FN:Linh Nguyen", "ORG: acme ", "TEL;TYPE=WORK:+1 555 0100 ext. 42",
			"ADR;TYPE=WORK:;;Str. 1;Berlin;;10115;de", "BDAY:1985-04-12")
		res, err := putCard(s, f.alice, f.aliceBk, "new-1.vcf", card, "", "*")
		must(t, err)
		if !res.Created || res.ETag != "" {
			t.Fatalf("result %+v", res)
		}
		es := outbox(t, s)
		if len(es) != 1 || es[0].Op != storage.OpCreate || es[0].Entity != "Contacts" {
			t.Fatalf("outbox %+v", es)
		}
		p := payload(t, es[0])
		if p["companyID"] != 1.0 || p["isActive"] != 1.0 || p["firstName"] != "Linh" || p["lastName"] != "Nguyen" ||
			p["phone"] != "+1 555 0100" || p["extension"] != "42" || p["countryID"] != 403.0 {
			t.Fatalf("create payload %v", p)
		}
		rid := es[0].RID
		c, env := contactByRef(t, s, -rid)
		if env.Origin != storage.OriginClient || env.ClientUID != "phone-uid-1" || env.PSAID != nil || c.CompanyID != 1 {
			t.Fatalf("row %+v %+v", c, env)
		}
		mine := body(t, s, f.aliceBk, "new-1.vcf")
		if !strings.Contains(mine, "UID:phone-uid-1\r\n") || !strings.Contains(mine, "BDAY:1985-04-12\r\n") || !strings.Contains(mine, "ORG:Acme\r\n") {
			t.Fatalf("alice's card:\n%s", mine)
		}
		// bob's all-contacts book has it too, under the canonical href, with the client's UID.
		local := "contact-local-" + strconvI(rid) + ".vcf"
		if b := body(t, s, f.bobAll, local); !strings.Contains(b, "UID:phone-uid-1\r\n") || strings.Contains(b, "BDAY") {
			t.Fatalf("bob's card:\n%s", b)
		}
		// The same PUT again (a retry): no second contact, no second create.
		n, _ := s.CountPSA(ctx, mapping.EntityContacts)
		_, err = putCard(s, f.alice, f.aliceBk, "new-1.vcf", card)
		must(t, err)
		if _, err := putCard(s, f.alice, f.aliceBk, "new-1.vcf", card, "", "*"); !errors.Is(err, storage.ErrPreconditionFailed) {
			t.Fatalf("If-None-Match * on an existing card: %v", err)
		}
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n || len(outbox(t, s)) != 1 {
			t.Fatalf("a retry created more: %d→%d contacts, %d outbox entries", n, m, len(outbox(t, s)))
		}
		// The same UID under another href (a retry after an error): refused,
		// naming the card that has it.
		_, err = putCard(s, f.alice, f.aliceBk, "new-1-retry.vcf", card)
		if r := wantRefusal(t, err, mapping.RefuseUIDConflict); r.Href != "new-1.vcf" {
			t.Fatalf("%+v", r)
		}
		// Its creator may change it whatever the policy (psa-master here).
		_, err = putCard(s, f.alice, f.aliceBk, "new-1.vcf", edit(mine, nil, "TITLE:Ops"))
		must(t, err)
		if c, _ := contactByRef(t, s, -rid); c.Title != "Ops" || len(outbox(t, s)) != 2 {
			t.Fatalf("creator's edit: %+v", c)
		}
	})
}

// Without ORG a card goes to the default company; an ORG naming no company
// follows unknown-company.
func TestContactCreateCompanyRules(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		_, err := putCard(s, f.alice, f.aliceBk, "a.vcf", newCard("a", "FN:Pat Doe"))
		must(t, err)
		es := outbox(t, s)
		if p := payload(t, es[0]); p["companyID"] != 0.0 || p["firstName"] != "Pat" || p["lastName"] != "Doe" {
			t.Fatalf("no ORG: %v", p)
		}
		// Filed under company 0 whose manager is someone else: still in alice's book.
		if b := body(t, s, f.aliceBk, "a.vcf"); !strings.Contains(b, "ORG:Northwind IT\r\n") {
			t.Fatalf("%s", b)
		}

		_, err = putCard(s, f.alice, f.aliceBk, "b.vcf", newCard("b", "FN:Kim Lee", "ORG:Initech;Accounting"))
		must(t, err)
		if p := payload(t, outbox(t, s)[1]); p["companyID"] != 0.0 {
			t.Fatalf("default-company: %v", p)
		}
		if b := body(t, s, f.aliceBk, "b.vcf"); !strings.Contains(b, "ORG:Initech;Accounting\r\n") {
			t.Fatalf("the user's ORG text is not kept:\n%s", b)
		}
		// PUT back as served: nothing to change, still the user's ORG.
		setting(t, s, "write-back-mode", "strict")
		_, err = putCard(s, f.alice, f.aliceBk, "b.vcf", body(t, s, f.aliceBk, "b.vcf"))
		must(t, err)

		setting(t, s, "unknown-company", "refuse")
		_, err = putCard(s, f.alice, f.aliceBk, "c.vcf", newCard("c", "FN:Kim Lee", "ORG:Initech"))
		if r := wantRefusal(t, err, mapping.RefuseUnknownCompany); r.Fields[0] != "ORG" || !strings.Contains(r.Message, `"Initech"`) {
			t.Fatalf("%+v", r)
		}

		setting(t, s, "unknown-company", "create")
		_, err = putCard(s, f.alice, f.aliceBk, "c.vcf", newCard("c", "FN:Kim Lee", "ORG:Initech"))
		if r := wantRefusal(t, err, mapping.RefuseMissing); !strings.Contains(r.Message, "phone") {
			t.Fatalf("a new company without a phone number: %+v", r)
		}
		_, err = putCard(s, f.alice, f.aliceBk, "c.vcf", newCard("c", "FN:Kim Lee", "ORG:Initech", "TEL;TYPE=CELL:+44 7700 900123"))
		must(t, err)
		es = outbox(t, s)
		comp, contact := es[len(es)-2], es[len(es)-1]
		cp := payload(t, comp)
		if comp.Entity != "Companies" || comp.Op != storage.OpCreate || cp["companyName"] != "Initech" || cp["companyType"] != 33.0 ||
			cp["ownerResourceID"] != 100.0 || cp["phone"] != "+44 7700 900123" || cp["isActive"] != true {
			t.Fatalf("company create %+v %v", comp, cp)
		}
		if p := payload(t, contact); p["companyID"] != float64(-comp.RID) {
			t.Fatalf("contact filed under %v, want the new company's local id %d", p["companyID"], -comp.RID)
		}
		// A second card naming the new company files under it, creating nothing more.
		_, err = putCard(s, f.alice, f.aliceBk, "d.vcf", newCard("d", "FN:Bill Lumbergh", "ORG:initech"))
		must(t, err)
		if es2 := outbox(t, s); len(es2) != len(es)+1 || payload(t, es2[len(es2)-1])["companyID"] != float64(-comp.RID) {
			t.Fatalf("second contact: %+v", es2[len(es):])
		}
		_, err = putCard(s, f.alice, f.aliceBk, "e.vcf", newCard("e", "ORG:Nameless Inc"))
		wantRefusal(t, err, mapping.RefuseMissing)
	})
}

// The duplicate rule (docs/write-back.md) links a new card to the existing contact.
func TestContactDuplicateRule(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", EmailAddress: "ann@acme.example"})
		n, _ := s.CountPSA(ctx, mapping.EntityContacts)
		token, _ := s.SyncToken(ctx, f.aliceBk)
		_, err := putCard(s, f.alice, f.aliceBk, "dup.vcf", newCard("x1", "N:ACME;ann;;;", "ORG:Acme", "EMAIL:Ann@Acme.example", "NICKNAME:Annie"))
		must(t, err)
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n || len(outbox(t, s)) != 0 {
			t.Fatalf("a duplicate created a contact (%d→%d) or an outbox entry", n, m)
		}
		// The card she already had stays beside the new one (RFC 6352 §5.1).
		eq(t, "alice after the duplicate", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf", "dup.vcf"})
		if b := body(t, s, f.aliceBk, "dup.vcf"); !strings.Contains(b, "X-PSA-CONTACT-ID:11\r\n") || !strings.Contains(b, "NICKNAME:Annie\r\n") {
			t.Fatalf("linked card:\n%s", b)
		}
		cs, err := s.Changes(ctx, f.aliceBk, token, 0)
		must(t, err)
		var seen []string
		for _, c := range cs.Changes {
			seen = append(seen, c.Href+map[bool]string{true: " deleted", false: ""}[c.Deleted])
		}
		eq(t, "changes", seen, []string{"dup.vcf"})

		// A blank e-mail on either side matches; another address does not.
		_, err = putCard(s, f.alice, f.aliceBk, "dup2.vcf", newCard("x2", "FN:Art Acme", "ORG:Acme"))
		must(t, err)
		_, err = putCard(s, f.bob, f.bobBk, "dup3.vcf", newCard("x3", "FN:Art Acme", "ORG:Acme", "EMAIL:art@acme.example"))
		must(t, err)
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n || len(outbox(t, s)) != 0 {
			t.Fatalf("blank e-mail duplicates created contacts: %d→%d", n, m)
		}
		_, err = putCard(s, f.alice, f.aliceBk, "new.vcf", newCard("x4", "FN:Ann Acme", "ORG:Acme", "EMAIL:other@acme.example"))
		must(t, err)
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n+1 {
			t.Fatalf("a different e-mail is no duplicate: %d→%d", n, m)
		}
	})
}

// DELETE hides (default) or deactivates; deleting and re-creating the
// same card brings the same contact back.
func TestContactDelete(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		card := body(t, s, f.aliceBk, "contact-12.vcf")
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "contact-12.vcf"}))
		eq(t, "alice after hide", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf"})
		eq(t, "bob's all after alice's hide", hrefs(t, s, f.bobAll), []string{"contact-11.vcf", "contact-12.vcf", "contact-21.vcf"})
		if c, _ := contactByRef(t, s, 12); c.IsActive != 1 || len(outbox(t, s)) != 0 {
			t.Fatal("hide changed the PSA contact")
		}
		// A later PSA change does not bring it back.
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme", Title: "New"})
		eq(t, "alice after a PSA change", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf"})
		// Re-creating the deleted card (its UID names the contact) restores it.
		n, _ := s.CountPSA(ctx, mapping.EntityContacts)
		_, err := putCard(s, f.alice, f.aliceBk, "contact-12.vcf", card, "", "*")
		must(t, err)
		eq(t, "alice after re-create", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf"})
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n || len(outbox(t, s)) != 0 {
			t.Fatal("re-creating made a new contact")
		}

		setting(t, s, "contact-delete", "deactivate")
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "contact-12.vcf"}))
		eq(t, "alice after deactivate", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf"})
		eq(t, "bob's all after deactivate", hrefs(t, s, f.bobAll), []string{"contact-11.vcf", "contact-21.vcf"})
		es := outbox(t, s)
		if c, _ := contactByRef(t, s, 12); c.IsActive != 0 || len(es) != 1 || es[0].Payload != `{"isActive":0}` || es[0].Op != storage.OpUpdate {
			t.Fatalf("deactivate: %+v", es)
		}
		// A client-created contact follows the same setting.
		_, err = putCard(s, f.alice, f.aliceBk, "mine.vcf", newCard("mine", "FN:Cli Ent", "ORG:Acme"))
		must(t, err)
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "mine.vcf"}))
		if es := outbox(t, s); len(es) != 3 || es[2].Payload != `{"isActive":0}` {
			t.Fatalf("client contact deactivate: %+v", es)
		}
		// Re-creating a deactivated card reactivates it.
		_, err = putCard(s, f.alice, f.aliceBk, "contact-12.vcf", card)
		must(t, err)
		if c, _ := contactByRef(t, s, 12); c.IsActive != 1 || outbox(t, s)[3].Payload != `{"isActive":1}` {
			t.Fatalf("reactivate: %+v", c)
		}
		eq(t, "bob's all after reactivate", hrefs(t, s, f.bobAll), []string{"contact-11.vcf", "contact-12.vcf", "contact-21.vcf"})
	})
}

// A contact a user created, or linked a card to, stays in their book
// whatever its scope, and leaves every book when it goes inactive in the
// PSA.
func TestPinnedContacts(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		_, err := putCard(s, f.alice, f.aliceBk, "h.vcf", newCard("h", "FN:Gus Globex", "ORG:Globex"))
		must(t, err)
		// Gil Globex exists (contact 21, not in alice's scope): linked, not created.
		_, err = putCard(s, f.alice, f.aliceBk, "g.vcf", newCard("g", "FN:Gil Globex", "ORG:Globex"))
		must(t, err)
		eq(t, "alice", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf", "g.vcf", "h.vcf"})
		eq(t, "bob's contacts (not his company)", hrefs(t, s, f.bobBk), nil)
		if len(outbox(t, s)) != 1 {
			t.Fatalf("outbox %+v", outbox(t, s))
		}
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 21, CompanyID: 2, IsActive: 0, FirstName: "Gil", LastName: "Globex"})
		eq(t, "alice after PSA deactivation", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf", "h.vcf"})
		all := hrefs(t, s, f.bobAll)
		if len(all) != 3 || all[0] != "contact-11.vcf" || all[1] != "contact-12.vcf" || !strings.HasPrefix(all[2], "contact-local-") {
			t.Fatalf("bob's all after PSA deactivation: %v", all)
		}
	})
}

// An address book set read-only takes no writes.
func TestReadOnlyBooks(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		if err := s.SetSetting(ctx, "read-only-books", "calendar"); err == nil {
			t.Fatal("read-only-books accepted a calendar")
		}
		setting(t, s, "read-only-books", "all-contacts")
		all := collection(t, s, f.bob.ID, storage.CollAllContacts)
		if !all.ReadOnly || collection(t, s, f.bob.ID, storage.CollContacts).ReadOnly {
			t.Fatalf("read-only flags: all %v", all.ReadOnly)
		}
		card := body(t, s, all, "contact-21.vcf")
		_, err := putCard(s, f.bob, all, "contact-21.vcf", card)
		wantRefusal(t, err, mapping.RefuseReadOnlyItem)
		// A DELETE is refused in strict mode and hides the card for bob in
		// lenient mode: the book's contents are not his to change.
		setting(t, s, "write-back-mode", "strict")
		err = s.DeleteObject(ctx, storage.DeleteRequest{Account: f.bob, Collection: all, Href: "contact-21.vcf"})
		wantRefusal(t, err, mapping.RefuseDelete)
		setting(t, s, "write-back-mode", "lenient")
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.bob, Collection: all, Href: "contact-21.vcf"}))
		if got := hrefs(t, s, all); slices.Contains(got, "contact-21.vcf") || len(outbox(t, s)) != 0 {
			t.Fatalf("after the DELETE: %v, outbox %+v", got, outbox(t, s))
		}
		setting(t, s, "read-only-books", "")
		if collection(t, s, f.bob.ID, storage.CollAllContacts).ReadOnly {
			t.Fatal("still read-only")
		}
	})
}
