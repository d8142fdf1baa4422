package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"
	"howett.net/plist"

	"github.com/psadav/psadav/storage/storagetest"
)

// browser is an HTTP client with a cookie jar, as a browser signs in.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([a-z2-7]+)"`)

// do sends a request and returns the response with its body; a page's
// CSRF token is remembered for the next form.
func (b *browser) do(method, path string, form url.Values, peer ...string) (*http.Response, string) {
	b.e.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	must(b.e.t, err)
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if len(peer) > 0 {
		req.Header.Set(peerHeader, peer[0])
	}
	resp, err := b.c.Do(req)
	must(b.e.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(b.e.t, err)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) signIn(login, pw string) {
	b.e.t.Helper()
	resp, body := b.do("POST", "/account/login", url.Values{"login": {login}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("sign in as %s: %d %s", login, resp.StatusCode, body)
	}
	b.do("GET", resp.Header.Get("Location"), nil)
}

// The login form, the session cookie, CSRF on forms, admin-only pages,
// headers on every page, and sign-out.
func TestSessionsAndPages(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		b := e.browser()
		resp, _ := b.do("GET", "/admin/", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/account/login?next=") {
			t.Fatalf("/admin/ without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := b.do("POST", "/account/login", url.Values{"login": {"boss"}, "password": {"wrong"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong login or password") {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
		// Another site cannot post the login form (login CSRF).
		req, _ := http.NewRequest("POST", e.srv.URL+"/account/login", strings.NewReader("login=boss&password=boss-pw"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if resp, err := b.c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden || resp.Header.Get("Set-Cookie") != "" {
			t.Fatalf("login posted from another site: %v %v", resp, err)
		}
		resp, _ = b.do("POST", "/account/login", url.Values{"login": {"boss"}, "password": {"boss-pw"}, "next": {"https://evil.example/"}})
		cookie := resp.Header.Get("Set-Cookie")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/" {
			t.Fatalf("sign in with a foreign next: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, attr) {
				t.Fatalf("session cookie without %s: %s", attr, cookie)
			}
		}
		for _, path := range []string{"/admin/", "/admin/users/alice", "/admin/settings", "/admin/psa", "/admin/audit", "/account/"} {
			resp, body := b.do("GET", path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || resp.Header.Get("X-Frame-Options") != "DENY" ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("%s headers: %v", path, resp.Header)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, "style=") {
				t.Fatalf("%s has inline script or style", path)
			}
		}
		// A form without the CSRF token changes nothing.
		resp, _ = b.do("POST", "/admin/users", url.Values{"login": {"mallory"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("add without CSRF: %d", resp.StatusCode)
		}
		if _, err := e.s.Account(context.Background(), "mallory"); err == nil {
			t.Fatal("a form without CSRF token added a user")
		}
		b.do("GET", "/admin/", nil)
		resp, body = b.do("POST", "/admin/users", url.Values{"csrf": {b.csrf}, "login": {"dora"}, "contacts_scope": {"all"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "(shown once)") {
			t.Fatalf("add dora: %d", resp.StatusCode)
		}
		// An invalid setting is refused on the page with the CLI's words.
		b.do("GET", "/admin/settings", nil)
		resp, body = b.do("POST", "/admin/settings", url.Values{"csrf": {b.csrf}, "key": {"window-past-days"}, "value": {"lots"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "must be a whole number") {
			t.Fatalf("invalid setting: %d", resp.StatusCode)
		}

		// A technician sees their account, not the admin pages.
		tech := e.browser()
		tech.signIn("alice", "alice-pw")
		if resp, _ := tech.do("GET", "/admin/", nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("technician on /admin/: %d", resp.StatusCode)
		}
		resp, body = tech.do("GET", "/account/", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "caldav://alice@") {
			t.Fatalf("account page: %d", resp.StatusCode)
		}
		resp, png := tech.do("GET", "/account/qr.png", nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
			t.Fatalf("QR code: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// Sign out: the session is gone on the server too.
		resp, _ = tech.do("POST", "/account/logout", url.Values{"csrf": {tech.csrf}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", resp.StatusCode)
		}
		if resp, _ := tech.do("GET", "/account/", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after signing out: %d", resp.StatusCode)
		}
	})
}

// The login form is throttled exactly like DAV logins, and with the same
// state: an address refused on the form is refused over DAV.
func TestLoginFormIsThrottled(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	b := e.browser()
	throttled := false
	for i := range 15 {
		resp, _ := b.do("POST", "/account/login", url.Values{"login": {"alice"}, "password": {fmt.Sprint("guess", i)}}, "203.0.113.80")
		if resp.StatusCode == http.StatusTooManyRequests {
			throttled = true
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if !throttled {
		t.Fatal("15 wrong passwords on the form were never throttled")
	}
	resp, _ := e.raw("PROPFIND", "/dav/principals/alice/", "", basic("alice", "alice-pw"), header(peerHeader, "203.0.113.80"), header("Depth", "0"))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("DAV from the address the form throttled: %d", resp.StatusCode)
	}
}

// The sign-in form takes the main password only: an app password, made
// for one device's sync, does not open the console.
func TestLoginFormRefusesAppPasswords(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	app := e.expect(http.StatusCreated, "", "POST", "/api/v1/me/app-passwords", `{"name":"phone"}`, basic("alice", "alice-pw"))
	b := e.browser()
	resp, body := b.do("POST", "/account/login", url.Values{"login": {"alice"}, "password": {app["password"].(string)}}, "203.0.113.81")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "main password") {
		t.Fatalf("sign-in with an app password: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.do("POST", "/account/login", url.Values{"login": {"alice"}, "password": {"alice-pw"}}, "203.0.113.81"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the main password: %d", resp.StatusCode)
	}
}

// The profile is a property list with one CalDAV and one CardDAV payload
// whose host, port and principal URL discover the user's collections; a
// profile with an app password carries one that DAV accepts.
func TestMobileConfig(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	b := e.browser()
	b.signIn("alice", "alice-pw")
	resp, body := b.do("GET", "/account/psadav.mobileconfig", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-apple-aspen-config" {
		t.Fatalf("profile: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var prof struct {
		PayloadType    string
		PayloadUUID    string
		PayloadContent []map[string]any
	}
	if _, err := plist.Unmarshal([]byte(body), &prof); err != nil {
		t.Fatalf("not a property list: %v\n%s", err, body)
	}
	if prof.PayloadType != "Configuration" || len(prof.PayloadContent) != 2 || prof.PayloadUUID == "" {
		t.Fatalf("profile: %+v", prof)
	}
	u, _ := url.Parse(e.srv.URL)
	for _, kind := range []string{"CalDAV", "CardDAV"} {
		var p map[string]any
		for _, c := range prof.PayloadContent {
			if c["PayloadType"] == "com.apple."+strings.ToLower(kind)+".account" {
				p = c
			}
		}
		if p == nil {
			t.Fatalf("no %s payload: %+v", kind, prof.PayloadContent)
		}
		if p[kind+"HostName"] != u.Hostname() || fmt.Sprint(p[kind+"Port"]) != u.Port() || p[kind+"UseSSL"] != false ||
			p[kind+"Username"] != "alice" || p[kind+"Password"] != nil {
			t.Fatalf("%s payload: %v", kind, p)
		}
		// Its URLs discover alice's collections.
		base := fmt.Sprintf("http://%s:%v", p[kind+"HostName"], p[kind+"Port"])
		hc := webdav.HTTPClientWithBasicAuth(http.DefaultClient, "alice", "alice-pw")
		ctx := context.Background()
		principal := p[kind+"PrincipalURL"].(string)
		if kind == "CalDAV" {
			c, err := caldav.NewClient(hc, base)
			must(t, err)
			home, err := c.FindCalendarHomeSet(ctx, principal)
			must(t, err)
			cals, err := c.FindCalendars(ctx, home)
			must(t, err)
			if len(cals) != 2 {
				t.Fatalf("calendars found from the profile: %+v", cals)
			}
		} else {
			c, err := carddav.NewClient(hc, base)
			must(t, err)
			home, err := c.FindAddressBookHomeSet(ctx, principal)
			must(t, err)
			books, err := c.FindAddressBooks(ctx, home)
			must(t, err)
			if len(books) != 1 {
				t.Fatalf("address books found from the profile: %+v", books)
			}
		}
	}
	// The same profile again: the same identifiers (it replaces itself).
	_, again := b.do("GET", "/account/psadav.mobileconfig", nil)
	if again != body {
		t.Fatal("a second download differs")
	}
	// With an app password inside.
	b.do("GET", "/account/", nil)
	resp, body = b.do("POST", "/account/psadav.mobileconfig", url.Values{"csrf": {b.csrf}, "name": {"Alice's iPad"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("profile with an app password: %d %s", resp.StatusCode, body)
	}
	prof.PayloadContent = nil
	if _, err := plist.Unmarshal([]byte(body), &prof); err != nil {
		t.Fatal(err)
	}
	pw, _ := prof.PayloadContent[0]["CalDAVPassword"].(string)
	if pw == "" || prof.PayloadContent[1]["CardDAVPassword"] != pw {
		t.Fatalf("app password in the profile: %v", prof.PayloadContent)
	}
	if code := e.davStatus("alice", pw); code != http.StatusMultiStatus {
		t.Fatalf("DAV with the profile's app password: %d", code)
	}
}

// The server's address in a browser leads to the account page; DAV keeps
// every other method on the root.
func TestRootLeadsBrowsersToTheAccountPage(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	resp, _ := e.raw("GET", "/", "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/account/" {
		t.Fatalf("GET /: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = e.raw("PROPFIND", "/", "", basic("alice", "alice-pw"), header("Depth", "0"))
	if resp.StatusCode != http.StatusMultiStatus {
		t.Fatalf("PROPFIND /: %d", resp.StatusCode)
	}
}
