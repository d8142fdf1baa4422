package dav_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/psadav/psadav/storage"
)

func TestDiscoveryWithGoWebdavClients(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		hc := e.client("alice", "alice-pw")

		wc, err := webdav.NewClient(hc, e.srv.URL)
		must(t, err)
		principal, err := wc.FindCurrentUserPrincipal(ctx)
		must(t, err)
		if principal != "/dav/principals/alice/" {
			t.Fatalf("principal = %q", principal)
		}

		cd, err := carddav.NewClient(hc, e.srv.URL)
		must(t, err)
		must(t, cd.HasSupport(ctx))
		abHome, err := cd.FindAddressBookHomeSet(ctx, principal)
		must(t, err)
		if abHome != "/dav/addressbooks/alice/" {
			t.Fatalf("address book home = %q", abHome)
		}
		books, err := cd.FindAddressBooks(ctx, abHome)
		must(t, err)
		if len(books) != 1 || books[0].Path != "/dav/addressbooks/alice/contacts/" || books[0].Name != "PSA contacts" {
			t.Fatalf("address books = %+v", books)
		}
		cards, err := cd.MultiGetAddressBook(ctx, books[0].Path, &carddav.AddressBookMultiGet{
			Paths:       []string{books[0].Path + "contact-11.vcf", books[0].Path + "contact-12.vcf"},
			DataRequest: carddav.AddressDataRequest{AllProp: true},
		})
		must(t, err)
		if len(cards) != 2 || cards[0].Card.PreferredValue("FN") != "Ann Acme" || cards[0].ETag == "" {
			t.Fatalf("multiget = %+v", cards)
		}
		if tel := cards[0].Card.Get("TEL"); tel == nil || tel.Value != "+1 555 0100 x12" {
			t.Fatalf("work phone with extension = %+v", tel)
		}

		cc, err := caldav.NewClient(hc, e.srv.URL)
		must(t, err)
		calHome, err := cc.FindCalendarHomeSet(ctx, principal)
		must(t, err)
		if calHome != "/dav/calendars/alice/" {
			t.Fatalf("calendar home = %q", calHome)
		}
		cals, err := cc.FindCalendars(ctx, calHome)
		must(t, err)
		got := map[string][]string{}
		for _, c := range cals {
			got[c.Path] = c.SupportedComponentSet
		}
		if len(cals) != 2 || strings.Join(got["/dav/calendars/alice/calendar/"], ",") != "VEVENT" ||
			strings.Join(got["/dav/calendars/alice/tasks/"], ",") != "VTODO" {
			t.Fatalf("calendars = %+v", cals)
		}
	})
}

func TestWellKnownRedirectsToPrincipal(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, p := range []string{"/.well-known/carddav", "/.well-known/caldav"} {
			resp, _ := e.do("PROPFIND", p, "alice", "alice-pw", "", "Depth", "0")
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dav/principals/alice/" {
				t.Fatalf("%s: %d Location %q", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
}

// Seen: CalDAVTester's well-known scripts got 401 without credentials and
// 404 for the URI with a final slash; RFC 6764 §5 redirects both.
func TestWellKnownRedirectsWithoutCredentials(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, p := range []string{"/.well-known/carddav", "/.well-known/caldav/", "/.well-known/caldav"} {
			for _, m := range []string{"GET", "PROPFIND"} {
				resp, _ := e.do(m, p, "", "", "")
				if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dav/" {
					t.Errorf("%s %s: %d Location %q", m, p, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
		}
		resp, _ := e.do("PROPFIND", "/.well-known/carddav/", "alice", "alice-pw", "", "Depth", "0")
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dav/principals/alice/" {
			t.Errorf("with credentials: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestAuthentication(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, c := range []struct{ login, password string }{{"", ""}, {"alice", "wrong"}, {"nobody", "alice-pw"}} {
			resp, _ := e.do("PROPFIND", "/dav/principals/alice/", c.login, c.password, "", "Depth", "0")
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%q/%q: status %d, WWW-Authenticate %q", c.login, c.password, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	})
}

func TestUsersAreIsolated(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, p := range []string{
			"/dav/principals/bob/", "/dav/addressbooks/bob/", "/dav/addressbooks/bob/contacts/",
			"/dav/addressbooks/bob/all-contacts/contact-21.vcf", "/dav/calendars/bob/", "/dav/calendars/bob/calendar/",
		} {
			for _, m := range []string{"PROPFIND", "GET", "PUT", "DELETE", "REPORT", "PROPPATCH"} {
				resp, body := e.do(m, p, "alice", "alice-pw", "")
				if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
					t.Errorf("alice %s %s: %d %s", m, p, resp.StatusCode, body)
				}
				if strings.Contains(body, "Gil") || strings.Contains(body, "bob@example.com") {
					t.Errorf("alice %s %s leaked bob's data: %s", m, p, body)
				}
			}
		}
		// Bob's own book is there, so the 404 above is isolation, not absence.
		resp, body := e.do("GET", "/dav/addressbooks/bob/all-contacts/contact-21.vcf", "bob", "bob-pw", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "FN:Gil Globex") {
			t.Fatalf("bob's own card: %d %s", resp.StatusCode, body)
		}
	})
}

func TestRootAndPrincipalProperties(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, p := range []string{"/", "/dav/"} {
			resp, body := e.do("PROPFIND", p, "alice", "alice-pw",
				`<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`, "Depth", "0")
			if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(body, "<d:href>/dav/principals/alice/</d:href>") {
				t.Fatalf("PROPFIND %s: %d %s", p, resp.StatusCode, body)
			}
		}
		resp, body := e.do("PROPFIND", "/dav/principals/alice/", "alice", "alice-pw", `<?xml version="1.0"?>
<A:propfind xmlns:A="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:R="urn:ietf:params:xml:ns:carddav">
 <A:prop><A:displayname/><C:calendar-user-address-set/><C:calendar-home-set/><R:addressbook-home-set/><A:principal-URL/><A:unknown-thing/></A:prop>
</A:propfind>`, "Depth", "0")
		for _, want := range []string{
			"<d:displayname>Alice Archer</d:displayname>", "<d:href>mailto:alice@example.com</d:href>",
			"<cal:calendar-home-set><d:href>/dav/calendars/alice/</d:href>", "<card:addressbook-home-set><d:href>/dav/addressbooks/alice/</d:href>",
			"<d:unknown-thing/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status>",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("principal PROPFIND lacks %q: %d %s", want, resp.StatusCode, body)
			}
		}
		resp, _ = e.do("OPTIONS", "/dav/", "", "", "")
		if dav := resp.Header.Get("DAV"); !strings.Contains(dav, "addressbook") || !strings.Contains(dav, "calendar-access") {
			t.Fatalf("OPTIONS DAV header %q", dav)
		}
	})
}

func TestSettingsChangeVisibleOnNextPropfind(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		list := func() []string {
			_, body := e.do("PROPFIND", "/dav/calendars/alice/", "alice", "alice-pw",
				`<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>`, "Depth", "1")
			var hrefs []string
			for _, part := range strings.Split(body, "<d:href>")[1:] {
				hrefs = append(hrefs, part[:strings.Index(part, "<")])
			}
			sort.Strings(hrefs)
			return hrefs
		}
		if got := strings.Join(list(), " "); got != "/dav/calendars/alice/ /dav/calendars/alice/calendar/ /dav/calendars/alice/tasks/" {
			t.Fatalf("before: %s", got)
		}
		_, err := e.s.UpdateSettings(context.Background(), "alice", func(u *storage.UserSettings) { u.Tasks = false })
		must(t, err)
		if got := strings.Join(list(), " "); got != "/dav/calendars/alice/ /dav/calendars/alice/calendar/" {
			t.Fatalf("after --tasks off: %s", got)
		}
		resp, _ := e.do("PROPFIND", "/dav/calendars/alice/tasks/", "alice", "alice-pw", "", "Depth", "0")
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("PROPFIND on a removed collection: %d", resp.StatusCode)
		}
	})
}

func TestMalformedRequestsAreClientErrors(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		cases := []struct {
			method, path, body string
			want               int
		}{
			{"PROPFIND", "/dav/addressbooks/alice/contacts/", "<d:propfind xmlns:d='DAV:'><d:prop>", 400},
			// Seen: CalDAVTester's "prop errors" got 207 for both at once.
			{"PROPFIND", "/dav/addressbooks/alice/contacts/", "<d:propfind xmlns:d='DAV:'><d:allprop/><d:propname/></d:propfind>", 400},
			{"PROPFIND", "/dav/calendars/alice/", "<d:propfind xmlns:d='DAV:'><d:propname/><d:prop><d:getetag/></d:prop></d:propfind>", 400},
			{"PROPFIND", "/dav/calendars/alice/", "<d:propfind xmlns:d='DAV:'><d:undefined/></d:propfind>", 400},
			{"REPORT", "/dav/addressbooks/alice/contacts/", "not xml at all", 400},
			{"REPORT", "/dav/addressbooks/alice/contacts/", `<x:whatever xmlns:x="urn:x"/>`, 403},
			{"PROPPATCH", "/dav/addressbooks/alice/contacts/", `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:getetag>x</d:getetag></d:prop></d:set></d:propertyupdate>`, 207},
			{"PROPFIND", "/dav/nowhere/", "", 404},
			{"MKCOL", "/dav/addressbooks/alice/new/", "", 403},
			{"MKCALENDAR", "/dav/calendars/alice/calendar/", "", 403},
		}
		for _, c := range cases {
			resp, body := e.do(c.method, c.path, "alice", "alice-pw", c.body, "Depth", "1")
			if resp.StatusCode != c.want {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, resp.StatusCode, c.want, body)
			}
		}
		// A PROPPATCH touching a protected property changes nothing.
		_, body := e.do("PROPPATCH", "/dav/addressbooks/alice/contacts/", "alice", "alice-pw",
			`<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine</d:displayname><d:getetag>x</d:getetag></d:prop></d:set></d:propertyupdate>`)
		if !strings.Contains(body, "424 Failed Dependency") || !strings.Contains(body, "403 Forbidden") {
			t.Fatalf("protected PROPPATCH: %s", body)
		}
		_, body = e.do("PROPFIND", "/dav/addressbooks/alice/contacts/", "alice", "alice-pw",
			`<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>`, "Depth", "0")
		if !strings.Contains(body, "<d:displayname>PSA contacts</d:displayname>") {
			t.Fatalf("display name changed by a failed PROPPATCH: %s", body)
		}
	})
}
