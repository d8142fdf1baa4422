package storage_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// zed is one person as three clients write him: Zed Quux of Acme (a PSA
// company alice manages), with an e-mail address and whatever else.
func zed(uid string, more ...string) string {
	return newCard(uid, append([]string{"N:Quux;Zed;;;", "FN:Zed Quux", "ORG:Acme", "EMAIL;TYPE=WORK:zed@acme.example"}, more...)...)
}

// changes lists a book's changes since a token as "href" or "href deleted".
func changes(t *testing.T, s *storage.Store, c storage.Collection, since int64) []string {
	t.Helper()
	cs, err := s.Changes(context.Background(), c, since, 0)
	must(t, err)
	var out []string
	for _, o := range cs.Changes {
		out = append(out, o.Href+map[bool]string{true: " deleted", false: ""}[o.Deleted])
	}
	return out
}

func token(t *testing.T, s *storage.Store, c storage.Collection) int64 {
	t.Helper()
	tok, err := s.SyncToken(context.Background(), c)
	must(t, err)
	return tok
}

// uidOf is the UID of a stored card.
func uidOf(t *testing.T, s *storage.Store, c storage.Collection, href string) string {
	t.Helper()
	return prop(body(t, s, c, href), "UID")
}

// prop is the value of a card's first line of a property without
// parameters ("" when there is none).
func prop(card, name string) string {
	for _, l := range strings.Split(card, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	return ""
}

// The case (RFC 6352 §5.1): a second card of the same person, in
// the same book or another user's, is linked to the one PSA contact by
// the duplicate rule, but every card stays at its own href with its own
// UID, and nobody's other card moves, disappears or changes its UID.
func TestLinkedCardsKeepTheirHrefAndUID(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		n, _ := s.CountPSA(ctx, mapping.EntityContacts)
		res, err := putCard(s, f.alice, f.aliceBk, "a1.vcf", zed("uid-a1"), "", "*")
		must(t, err)
		if !res.Created {
			t.Fatalf("a1: %+v", res)
		}
		tok := token(t, s, f.aliceBk)
		res, err = putCard(s, f.alice, f.aliceBk, "c1.vcf", zed("uid-c1"), "", "*")
		must(t, err)
		if !res.Created {
			t.Fatalf("c1: %+v", res)
		}
		eq(t, "alice's book", hrefs(t, s, f.aliceBk), []string{"a1.vcf", "c1.vcf", "contact-11.vcf", "contact-12.vcf"})
		if a, c := uidOf(t, s, f.aliceBk, "a1.vcf"), uidOf(t, s, f.aliceBk, "c1.vcf"); a != "uid-a1" || c != "uid-c1" {
			t.Fatalf("UIDs a1 %q, c1 %q", a, c)
		}
		eq(t, "alice's changes after c1", changes(t, s, f.aliceBk, tok), []string{"c1.vcf"})
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n+1 || len(outbox(t, s)) != 1 {
			t.Fatalf("two cards of one person made %d contacts and %d outbox entries", m-n, len(outbox(t, s)))
		}

		// bob's card of the same person: his UID, and alice's cards untouched.
		aliceA1, aliceC1 := body(t, s, f.aliceBk, "a1.vcf"), body(t, s, f.aliceBk, "c1.vcf")
		tok = token(t, s, f.aliceBk)
		res, err = putCard(s, f.bob, f.bobBk, "b1.vcf", zed("uid-b1"), "", "*")
		must(t, err)
		if !res.Created {
			t.Fatalf("b1: %+v", res)
		}
		eq(t, "bob's book", hrefs(t, s, f.bobBk), []string{"b1.vcf"})
		if u := uidOf(t, s, f.bobBk, "b1.vcf"); u != "uid-b1" {
			t.Fatalf("bob's card reads UID %q", u)
		}
		if body(t, s, f.aliceBk, "a1.vcf") != aliceA1 || body(t, s, f.aliceBk, "c1.vcf") != aliceC1 {
			t.Fatal("bob's card changed alice's cards")
		}
		eq(t, "alice's changes after bob's card", changes(t, s, f.aliceBk, tok), nil)
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n+1 {
			t.Fatalf("bob's card made a contact")
		}
		// The PSA accepts the contact: every card shows it, each still at
		// its href under its UID.
		rid := outbox(t, s)[0].RID
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.AcceptCreate(ctx, mapping.EntityContacts, rid, 500)
		}))
		for _, c := range []struct {
			book      storage.Collection
			href, uid string
		}{{f.aliceBk, "a1.vcf", "uid-a1"}, {f.aliceBk, "c1.vcf", "uid-c1"}, {f.bobBk, "b1.vcf", "uid-b1"}} {
			if b := body(t, s, c.book, c.href); prop(b, "X-PSA-CONTACT-ID") != "500" || prop(b, "UID") != c.uid {
				t.Errorf("%s after the PSA accepted the contact:\n%s", c.href, b)
			}
		}
		eq(t, "alice's book after the PSA accepted", hrefs(t, s, f.aliceBk), []string{"a1.vcf", "c1.vcf", "contact-11.vcf", "contact-12.vcf"})
	})
}

// The consequences of linked cards (issue 13 §1): edits, PSA changes,
// rebuilds, scope changes and deletes reach every card of the contact,
// and each card keeps its href, its UID and its kept properties.
func TestLinkedCardsFollowEveryChange(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		setting(t, s, "contact-policy", "two-way")
		for _, c := range []struct {
			who  storage.Account
			book storage.Collection
			href string
			card string
		}{
			{f.alice, f.aliceBk, "a1.vcf", zed("uid-a1", "BDAY:1980-01-01")},
			{f.alice, f.aliceBk, "c1.vcf", zed("uid-c1", "NICKNAME:Zeddy")},
			{f.bob, f.bobBk, "b1.vcf", zed("uid-b1", "X-BOB:yes")},
		} {
			_, err := putCard(s, c.who, c.book, c.href, c.card, "", "*")
			must(t, err)
		}
		rid := outbox(t, s)[0].RID
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.AcceptCreate(ctx, mapping.EntityContacts, rid, 500)
		}))
		type card struct {
			book      storage.Collection
			href, uid string
			kept      string
		}
		cards := []card{{f.aliceBk, "a1.vcf", "uid-a1", "BDAY:1980-01-01"}, {f.aliceBk, "c1.vcf", "uid-c1", "NICKNAME:Zeddy"},
			{f.bobBk, "b1.vcf", "uid-b1", "X-BOB:yes"}}
		others := []string{"BDAY:", "NICKNAME:", "X-BOB:"}
		// check: every card shows title, its own UID and kept property, and
		// none of the others' kept properties.
		check := func(what, title string, cards ...card) {
			t.Helper()
			for _, c := range cards {
				b := body(t, s, c.book, c.href)
				if prop(b, "TITLE") != title || prop(b, "UID") != c.uid || !strings.Contains(b, c.kept+"\r\n") {
					t.Fatalf("%s: %s:\n%s", what, c.href, b)
				}
				for _, o := range others {
					if !strings.HasPrefix(c.kept, o) && strings.Contains(b, "\r\n"+o) {
						t.Fatalf("%s: %s shows another card's %s:\n%s", what, c.href, o, b)
					}
				}
			}
		}

		// The user edits one card: the contact changes, every card shows it.
		tok := token(t, s, f.aliceBk)
		_, err := putCard(s, f.alice, f.aliceBk, "c1.vcf", edit(body(t, s, f.aliceBk, "c1.vcf"), nil, "TITLE:CTO"))
		must(t, err)
		if c, _ := contactByRef(t, s, 500); c.Title != "CTO" {
			t.Fatalf("the edit did not reach the contact: %+v", c)
		}
		check("after alice's edit", "CTO", cards...)
		got := changes(t, s, f.aliceBk, tok)
		sort.Strings(got)
		eq(t, "alice's changes after her edit", got, []string{"a1.vcf", "c1.vcf"})

		// The PSA changes the contact: every card shows it.
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 500, CompanyID: 1, IsActive: 1, FirstName: "Zed", LastName: "Quux",
			EmailAddress: "zed@acme.example", Title: "CEO"})
		check("after the PSA's change", "CEO", cards...)

		// A PUT that would change a card's UID changes nothing.
		tok = token(t, s, f.aliceBk)
		a1 := body(t, s, f.aliceBk, "a1.vcf")
		_, err = putCard(s, f.alice, f.aliceBk, "a1.vcf", edit(a1, map[string]string{"UID:": "UID:uid-other"}, "TITLE:Boss"))
		if r := wantRefusal(t, err, mapping.RefuseUIDChanged); r.Href != "a1.vcf" {
			t.Fatalf("%+v", r)
		}
		if body(t, s, f.aliceBk, "a1.vcf") != a1 || token(t, s, f.aliceBk) != tok {
			t.Fatal("a refused UID change changed the book")
		}

		// Rebuilds: a scope change and back, the book switched off and on.
		for _, scope := range []string{storage.ScopeAll, storage.ScopeMine, storage.ScopeNone, storage.ScopeMine} {
			_, err := s.UpdateSettings(ctx, "alice", func(u *storage.UserSettings) { u.ContactsScope = scope })
			must(t, err)
		}
		eq(t, "alice's book after rebuilds", hrefs(t, s, f.aliceBk), []string{"a1.vcf", "c1.vcf", "contact-11.vcf", "contact-12.vcf"})
		check("after rebuilds", "CEO", cards...)

		// The contact leaves alice's scope: her cards stay (pinned).
		upsert(t, s, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(300), IsActive: true})
		eq(t, "alice's book after Acme left her scope", hrefs(t, s, f.aliceBk), []string{"a1.vcf", "c1.vcf"})
		check("after the scope change", "CEO", cards...)

		// Deleting one of two cards deletes that card only.
		n := len(outbox(t, s))
		tok = token(t, s, f.aliceBk)
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "c1.vcf"}))
		eq(t, "alice's book after deleting c1", hrefs(t, s, f.aliceBk), []string{"a1.vcf"})
		eq(t, "alice's changes after deleting c1", changes(t, s, f.aliceBk, tok), []string{"c1.vcf deleted"})
		check("after deleting c1", "CEO", cards[0], cards[2])
		if len(outbox(t, s)) != n {
			t.Fatal("deleting one of two cards reached the PSA")
		}
		// The last one follows contact-delete (hide): bob's card stays.
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "a1.vcf"}))
		eq(t, "alice's book after deleting a1", hrefs(t, s, f.aliceBk), nil)
		check("bob's card after alice's deletes", "CEO", cards[2])
		if c, _ := contactByRef(t, s, 500); c.IsActive != 1 || len(outbox(t, s)) != n {
			t.Fatal("hiding the last card changed the contact")
		}
		// bob's all-contacts book shows the contact under its own name and
		// the UID of the card that created it, untouched by any of this.
		if b := body(t, s, f.bobAll, "contact-500.vcf"); prop(b, "UID") != "uid-a1" || strings.Contains(b, "X-BOB") {
			t.Fatalf("bob's all-contacts card:\n%s", b)
		}
	})
}

// Linking a card in a book that already shows the contact keeps the card
// the client has: both stay, each deletable alone.
func TestLinkBesideAShownCard(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		before := body(t, s, f.aliceBk, "contact-11.vcf")
		tok := token(t, s, f.aliceBk)
		_, err := putCard(s, f.alice, f.aliceBk, "ann.vcf", newCard("ann-phone", "N:Acme;Ann;;;", "ORG:Acme", "BDAY:1990-09-09"))
		must(t, err)
		eq(t, "alice's book", hrefs(t, s, f.aliceBk), []string{"ann.vcf", "contact-11.vcf", "contact-12.vcf"})
		eq(t, "changes", changes(t, s, f.aliceBk, tok), []string{"ann.vcf"})
		if body(t, s, f.aliceBk, "contact-11.vcf") != before {
			t.Fatal("linking changed the card alice had")
		}
		if b := body(t, s, f.aliceBk, "ann.vcf"); prop(b, "UID") != "ann-phone" || prop(b, "X-PSA-CONTACT-ID") != "11" || prop(b, "BDAY") != "1990-09-09" {
			t.Fatalf("linked card:\n%s", b)
		}
		// Her client edits the card it had: kept properties stay its own.
		_, err = putCard(s, f.alice, f.aliceBk, "contact-11.vcf", edit(before, nil, "NICKNAME:Annie"))
		must(t, err)
		if b := body(t, s, f.aliceBk, "contact-11.vcf"); prop(b, "NICKNAME") != "Annie" || prop(b, "BDAY") != "" || prop(b, "UID") != "psadav-contact-11" {
			t.Fatalf("the card alice had after her edit:\n%s", b)
		}
		if b := body(t, s, f.aliceBk, "ann.vcf"); prop(b, "NICKNAME") != "" || prop(b, "BDAY") != "1990-09-09" {
			t.Fatalf("the linked card after an edit of the other:\n%s", b)
		}
		// Neither card takes another UID.
		for _, href := range []string{"contact-11.vcf", "ann.vcf"} {
			_, err = putCard(s, f.alice, f.aliceBk, href, edit(body(t, s, f.aliceBk, href), map[string]string{"UID:": "UID:x"}))
			if r := wantRefusal(t, err, mapping.RefuseUIDChanged); r.Href != href {
				t.Fatalf("%+v", r)
			}
		}
		// The same UID under a third href is still a conflict.
		_, err = putCard(s, f.alice, f.aliceBk, "ann2.vcf", newCard("ann-phone", "N:Acme;Ann;;;", "ORG:Acme"))
		if r := wantRefusal(t, err, mapping.RefuseUIDConflict); r.Href != "ann.vcf" {
			t.Fatalf("%+v", r)
		}
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "contact-11.vcf"}))
		eq(t, "after deleting the card she had", hrefs(t, s, f.aliceBk), []string{"ann.vcf", "contact-12.vcf"})
		// A later PSA change reaches the card left.
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", Title: "Chair"})
		if b := body(t, s, f.aliceBk, "ann.vcf"); prop(b, "TITLE") != "Chair" || prop(b, "UID") != "ann-phone" {
			t.Fatalf("after a PSA change:\n%s", b)
		}
		eq(t, "after the PSA change", hrefs(t, s, f.aliceBk), []string{"ann.vcf", "contact-12.vcf"})
	})
}

// Under contact-delete=deactivate, a deleted card re-created under another
// href reactivates the contact and is its only card in the book: the card
// the client deleted does not come back beside it.
func TestRecreatedCardComesBackOnce(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		setting(t, s, "contact-delete", "deactivate")
		card := body(t, s, f.aliceBk, "contact-12.vcf")
		must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.alice, Collection: f.aliceBk, Href: "contact-12.vcf"}))
		tok := token(t, s, f.aliceBk)
		_, err := putCard(s, f.alice, f.aliceBk, "art.vcf", card, "", "*")
		must(t, err)
		if c, _ := contactByRef(t, s, 12); c.IsActive != 1 {
			t.Fatal("not reactivated")
		}
		eq(t, "alice's book", hrefs(t, s, f.aliceBk), []string{"art.vcf", "contact-11.vcf"})
		eq(t, "alice's changes", changes(t, s, f.aliceBk, tok), []string{"art.vcf"})
		eq(t, "bob's all-contacts book", hrefs(t, s, f.bobAll), []string{"contact-11.vcf", "contact-12.vcf", "contact-21.vcf"})
	})
}

// A card linked to the PSA's copy of a contact a client created (pulled
// before the PSA's answer to the create arrived) stays when the copy gives
// way to the client's row.
func TestLinkedCardSurvivesTheAcceptedCreate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		_, err := putCard(s, f.alice, f.aliceBk, "a1.vcf", zed("uid-a1"), "", "*")
		must(t, err)
		rid := outbox(t, s)[0].RID
		n, _ := s.CountPSA(ctx, mapping.EntityContacts)
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 500, CompanyID: 1, IsActive: 1, FirstName: "Zed", LastName: "Quux",
			EmailAddress: "zed@acme.example"})
		_, err = putCard(s, f.bob, f.bobBk, "b1.vcf", zed("uid-b1", "X-BOB:yes"), "", "*")
		must(t, err)
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			return tx.AcceptCreate(ctx, mapping.EntityContacts, rid, 500)
		}))
		eq(t, "bob's book", hrefs(t, s, f.bobBk), []string{"b1.vcf"})
		if b := body(t, s, f.bobBk, "b1.vcf"); prop(b, "UID") != "uid-b1" || prop(b, "X-PSA-CONTACT-ID") != "500" || prop(b, "X-BOB") != "yes" {
			t.Fatalf("bob's card after the accept:\n%s", b)
		}
		eq(t, "alice's book", hrefs(t, s, f.aliceBk), []string{"a1.vcf", "contact-11.vcf", "contact-12.vcf"})
		if m, _ := s.CountPSA(ctx, mapping.EntityContacts); m != n {
			t.Fatalf("%d contacts after the accept, %d before the PSA's copy", m, n)
		}
	})
}
