package dav_test

import (
	"net/http"
	"strings"
	"testing"
)

// zedCard is the person: Zed Quux of Acme, with an e-mail.
func zedCard(uid string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nN:Quux;Zed;;;\r\nFN:Zed Quux\r\nORG:Acme\r\n" +
		"EMAIL;TYPE=WORK:zed@acme.example\r\nEND:VCARD\r\n"
}

// cardUID is the UID line of a card as served.
func cardUID(card string) string {
	for _, l := range strings.Split(card, "\r\n") {
		if v, ok := strings.CutPrefix(l, "UID:"); ok {
			return v
		}
	}
	return ""
}

// Two cards of one person in alice's book and a third in bob's are linked
// to one PSA contact, and each is read back at its href with the UID its
// client gave it (RFC 6352 §5.1): the case over HTTP.
func TestCardsOfOnePersonKeepTheirIdentity(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		put := func(login, path, card string) {
			t.Helper()
			resp, body := e.do("PUT", path, login, login+"-pw", card, "Content-Type", "text/vcard", "If-None-Match", "*")
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("PUT %s: %d %s", path, resp.StatusCode, body)
			}
		}
		bobBook := "/dav/addressbooks/bob/contacts/"
		put("alice", aliceBook+"a1.vcf", zedCard("uid-a1"))
		put("alice", aliceBook+"c1.vcf", zedCard("uid-c1"))
		put("bob", bobBook+"b1.vcf", zedCard("uid-b1"))
		for _, c := range []struct{ login, path, uid string }{
			{"alice", aliceBook + "a1.vcf", "uid-a1"}, {"alice", aliceBook + "c1.vcf", "uid-c1"}, {"bob", bobBook + "b1.vcf", "uid-b1"},
		} {
			resp, body := e.do("GET", c.path, c.login, c.login+"-pw", "")
			if resp.StatusCode != http.StatusOK || cardUID(body) != c.uid {
				t.Errorf("GET %s: %d, UID %q, want %q", c.path, resp.StatusCode, cardUID(body), c.uid)
			}
		}
		// A multiget names each card at its own href with its own UID.
		_, ms := e.do("REPORT", aliceBook, "alice", "alice-pw", `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">`+
			`<d:prop><d:getetag/><card:address-data/></d:prop><d:href>`+aliceBook+`a1.vcf</d:href><d:href>`+aliceBook+`c1.vcf</d:href>`+
			`</card:addressbook-multiget>`, "Depth", "1")
		for _, want := range []string{"UID:uid-a1", "UID:uid-c1", aliceBook + "a1.vcf", aliceBook + "c1.vcf"} {
			if !strings.Contains(ms, want) {
				t.Errorf("multiget lacks %q:\n%s", want, ms)
			}
		}
		if strings.Count(ms, "HTTP/1.1 200 OK") != 2 {
			t.Errorf("multiget:\n%s", ms)
		}
	})
}

// A PUT that would change an object's UID answers 403 with
// no-uid-conflict naming the object (RFC 6352 §6.3.2.1, RFC 4791
// §5.3.2.1); so does the same UID under a second href, naming the holder
// (CalDAVTester's CardDAV errors expect 403 for that precondition too).
// Nothing changes either way.
func TestPutChangingUIDIsRefused(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		card := aliceBook + "contact-11.vcf"
		event := "/dav/calendars/alice/calendar/lunch.ics"
		ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:lunch-1\r\nDTSTAMP:20250601T000000Z\r\n" +
			"DTSTART:20250607T110000Z\r\nDTEND:20250607T120000Z\r\nSUMMARY:Lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		if resp, body := e.do("PUT", event, "alice", "alice-pw", ics, "Content-Type", "text/calendar"); resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT event: %d %s", resp.StatusCode, body)
		}
		for _, c := range []struct {
			path, ctype, cond string
		}{
			{card, "text/vcard", "<card:no-uid-conflict><d:href>" + card + "</d:href></card:no-uid-conflict>"},
			{event, "text/calendar", "<cal:no-uid-conflict><d:href>" + event + "</d:href></cal:no-uid-conflict>"},
		} {
			resp, served := e.do("GET", c.path, "alice", "alice-pw", "")
			etag := resp.Header.Get("ETag")
			changed := strings.Replace(served, "UID:"+cardUID(served), "UID:someone-else", 1)
			resp, body := e.do("PUT", c.path, "alice", "alice-pw", changed, "Content-Type", c.ctype)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, c.cond) {
				t.Errorf("PUT %s with another UID: %d\n%s", c.path, resp.StatusCode, body)
			}
			if resp, after := e.do("GET", c.path, "alice", "alice-pw", ""); after != served || resp.Header.Get("ETag") != etag {
				t.Errorf("a refused UID change changed %s", c.path)
			}
			copyPath := strings.TrimSuffix(c.path, c.path[strings.LastIndex(c.path, "/")+1:]) + "copy" + c.path[strings.LastIndex(c.path, "."):]
			resp, body = e.do("PUT", copyPath, "alice", "alice-pw", served, "Content-Type", c.ctype)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "no-uid-conflict><d:href>"+c.path+"</d:href>") {
				t.Errorf("PUT %s with %s's UID: %d\n%s", copyPath, c.path, resp.StatusCode, body)
			}
		}
	})
}
