package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// css names an element by a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// chromium finds Debian's chromium; without it the browser test skips,
// except in CI, where it fails (.ci/run installs it).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium: CI must install it (apt-get install chromium)")
	}
	t.Skip("no chromium here (apt-get install chromium)")
	return ""
}

// screenshotDir is where the browser test leaves its screenshots for a
// person to look at: $PSADAV_SCREENSHOTS, or a new temporary directory
// (its name is logged). They are not committed.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("PSADAV_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "psadav-screenshots-"); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.MkdirAll(dir, 0o755))
	t.Logf("screenshots in %s", dir)
	return dir
}

// The acceptance flows in a real headless Chromium: an admin signs in,
// adds a user, changes their contacts scope and sees their collections
// change, un-hides an item and retries a failed write-back; a technician
// signs in, creates an app password, downloads the profile, and DAV takes
// the app password until it is revoked. 2,000 users page and search.
func TestBrowserFlows(t *testing.T) {
	bin := chromium(t)
	if testing.Short() {
		t.Skip("the browser test takes a while")
	}
	shots := screenshotDir(t)
	e := newEnv(t, storagetest.OpenSQLite(t))
	ctx := context.Background()
	start := time.Now()
	storagetest.BulkAccounts(t, e.s, 2000, func(i int) string { return fmt.Sprintf("user%04d", i) })
	t.Logf("2,000 users made in %v", time.Since(start).Round(time.Millisecond))
	hidden := e.hideAliceContact(t)
	psa := newFakePSA(t, e.s)
	outboxID := e.failedWriteBack(t, psa)

	alloc, cancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	bctx, cancel = context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			failed := filepath.Join(shots, "failed.png")
			if buf, err := chromedp.Run(context.WithoutCancel(bctx), chromedp.FullScreenshot(90)); err == nil {
				os.WriteFile(failed, buf, 0o644)
			}
			t.Fatalf("%s: %v (the page: %s)", what, err, failed)
		}
	}
	// The first action starts the browser; then confirm prompts
	// (data-confirm) are accepted as they open.
	run("start", chromedp.Navigate("about:blank"))
	go func() {
		for _, err := range chromedp.Events(bctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			buf, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		}
	}
	// submit clicks a button or link and waits for the page it loads.
	submit := func(sel string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
			resp, err := chromedp.RunResponse(ctx, chromedp.Click(css(sel)))
			if err == nil && resp.Status >= 400 {
				err = fmt.Errorf("%s answered %d", resp.URL, resp.Status)
			}
			return chromedp.Void{}, err
		}
	}
	eval := func(js string) any {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return v
	}
	text := func(js string) string { t.Helper(); return fmt.Sprint(eval(js)) }
	base := e.srv.URL

	run("admin signs in",
		chromedp.Navigate(base+"/admin/"),
		chromedp.WaitVisible(css(`input[name=login]`)),
		chromedp.SendKeys(css(`input[name=login]`), "boss"),
		chromedp.SendKeys(css(`input[name=password]`), "boss-pw"),
		submit(`form[action="/account/login"] button`),
		chromedp.WaitVisible(css(`table.users`)),
		shot("admin-users"))
	if got := text(`document.querySelector("p.hint").textContent`); !strings.Contains(got, "2003 user(s)") || !strings.Contains(got, "1–50") {
		t.Fatalf("users page: %q", got)
	}
	run("next page", submit(`nav.pager a`), chromedp.WaitVisible(css(`table.users`)))
	if got := text(`document.querySelector("p.hint").textContent`); !strings.Contains(got, "51–100") {
		t.Fatalf("second page: %q", got)
	}
	run("search", chromedp.SetValue(css(`input[name=q]`), "user1999"), chromedp.Submit(css(`form.search`)), chromedp.WaitVisible(css(`table.users`)))
	if got := text(`document.querySelectorAll("table.users tbody tr").length + " " + document.querySelector("table.users tbody").textContent`); !strings.HasPrefix(got, "1 ") || !strings.Contains(got, "user1999") {
		t.Fatalf("search: %q", got)
	}

	run("admin adds carol",
		chromedp.Navigate(base+"/admin/"),
		chromedp.SendKeys(css(`form[action="/admin/users"] input[name=login]`), "carol"),
		submit(`form[action="/admin/users"] button`),
		chromedp.WaitVisible(css(`.secret code`)))
	if pw := text(`document.querySelector(".secret code").textContent`); e.davStatus("carol", pw) != http.StatusMultiStatus {
		t.Fatalf("carol's generated password %q does not log in", pw)
	}
	members := func(login, coll string) string {
		return text(fmt.Sprintf(`[...document.querySelectorAll("tbody tr")].find(r => r.textContent.includes("/addressbooks/%s/%s/")).children[1].textContent`, login, coll))
	}
	if got := members("carol", "contacts"); got != "0" {
		t.Fatalf("carol's contacts (mine, resource 300 owns no company): %q", got)
	}
	run("admin changes carol's contacts scope",
		chromedp.SetValue(css(`select[name=contacts_scope]`), "all"),
		submit(`form[action="/admin/users/carol"] button`),
		chromedp.WaitVisible(css(`p.flash`)),
		shot("admin-user"))
	if got := members("carol", "contacts"); got != "4" { // Acme's two, Globex's one, and Amy (failedWriteBack)
		t.Fatalf("carol's contacts after scope all: %q", got)
	}

	run("admin un-hides alice's contact",
		chromedp.Navigate(base+"/admin/users/alice"),
		chromedp.WaitVisible(css(`form[action="/admin/users/alice/unhide"] button`)),
		submit(`td form[action="/admin/users/alice/unhide"] button`),
		chromedp.WaitVisible(css(`p.flash`)))
	if items, err := e.s.HiddenItems(ctx, "alice"); err != nil || len(items) != 0 {
		t.Fatalf("still hidden after un-hiding %s: %v %v", hidden, items, err)
	}

	run("admin retries the failed write-back",
		chromedp.Navigate(base+"/admin/psa"),
		chromedp.WaitVisible(css(fmt.Sprintf(`form[action="/admin/outbox/%d/retry"] button`, outboxID))),
		shot("admin-psa"),
		submit(fmt.Sprintf(`form[action="/admin/outbox/%d/retry"] button`, outboxID)),
		chromedp.WaitVisible(css(`p.flash`)))
	if entry, err := e.s.OutboxEntryByID(ctx, outboxID); err != nil || entry.State != storage.OutboxPending {
		t.Fatalf("after retry: %v %v", entry.State, err)
	}
	psa.push(t)
	if entry, err := e.s.OutboxEntryByID(ctx, outboxID); err != nil || entry.State != storage.OutboxDone || psa.updatesOf(mapping.EntityContacts, "Amelia") != 1 {
		t.Fatalf("the retried write-back did not reach the tenant: %v %v\n%s", entry.State, err, psa.ft.Summary())
	}
	run("audit page", chromedp.Navigate(base+"/admin/audit"), chromedp.WaitVisible(css(`table`)), shot("admin-audit"))
	if got := text(`document.querySelector("tbody").textContent`); !strings.Contains(got, "outbox.retry") || !strings.Contains(got, "user.add") {
		t.Fatalf("audit page lacks the admin's changes: %q", got)
	}
	run("settings page", chromedp.Navigate(base+"/admin/settings"), chromedp.WaitVisible(css(`form.setting`)), shot("admin-settings"))

	run("admin signs out; technician signs in",
		chromedp.Navigate(base+"/account/"),
		submit(`form[action="/account/logout"] button`),
		chromedp.WaitVisible(css(`input[name=login]`)),
		chromedp.SendKeys(css(`input[name=login]`), "alice"),
		chromedp.SendKeys(css(`input[name=password]`), "alice-pw"),
		submit(`form[action="/account/login"] button`),
		chromedp.WaitVisible(css(`img.qr`)),
		shot("account"))
	if eval(`document.querySelector("img.qr").naturalWidth > 0`) != true {
		t.Fatal("the QR code image did not load")
	}
	run("technician creates an app password",
		chromedp.SendKeys(css(`form[action="/account/app-passwords"] input[name=name]`), "Alice's Pixel"),
		submit(`form[action="/account/app-passwords"] button`),
		chromedp.WaitVisible(css(`.secret code`)))
	appPW := text(`document.querySelector(".secret code").textContent`)
	profile, err := chromedp.Run(bctx, chromedp.Evaluate[string](
		`fetch("/account/psadav.mobileconfig").then(r => r.text().then(b => r.headers.get("content-type") + "\n" + b))`, chromedp.EvalAwaitPromise))
	must(t, err)
	if !strings.HasPrefix(profile, "application/x-apple-aspen-config\n") || !strings.Contains(profile, "com.apple.caldav.account") {
		t.Fatalf("profile: %.200s", profile)
	}
	if code := e.davStatus("alice", appPW); code != http.StatusMultiStatus {
		t.Fatalf("DAV with the app password %q: %d", appPW, code)
	}
	run("technician revokes it",
		chromedp.Navigate(base+"/account/"),
		submit(`form[action="/account/app-passwords/revoke"] button`),
		chromedp.WaitVisible(css(`p.flash`)))
	if code := e.davStatus("alice", appPW); code != http.StatusUnauthorized {
		t.Fatalf("DAV with the revoked app password: %d", code)
	}

	// At phone width nothing is wider than the screen; tables scroll in
	// their own box.
	for _, path := range []string{"/account/", "/account/login"} {
		run("phone width "+path, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+path), chromedp.WaitReady(css(`main`)))
		if eval(`document.documentElement.scrollWidth <= window.innerWidth`) != true {
			t.Errorf("%s is wider than a phone", path)
		}
	}
	run("phone screenshot", chromedp.Navigate(base+"/account/"), chromedp.WaitVisible(css(`img.qr`)), shot("account-phone"))
}

// hideAliceContact has alice's client delete a contact, which hides it
// for her (contact-delete hide); it returns its reference.
func (e *env) hideAliceContact(t *testing.T) string {
	ctx := context.Background()
	a, err := e.s.Account(ctx, "alice")
	must(t, err)
	coll, err := e.s.UserCollection(ctx, a.ID, storage.CollContacts)
	must(t, err)
	var href string
	must(t, e.s.ListObjects(ctx, coll.ID, func(o storage.ObjectInfo) error { href = o.Href; return nil }))
	resp, _ := e.raw("DELETE", "/dav/addressbooks/alice/contacts/"+href, "", basic("alice", "alice-pw"))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DAV DELETE: %d", resp.StatusCode)
	}
	return "contacts/" + href
}

// failedWriteBack queues a write-back and pushes it to the fake tenant,
// which refuses it: a failed outbox entry, as the PSA leaves one.
func (e *env) failedWriteBack(t *testing.T, psa *fakePSA) int64 {
	var id int64
	must(t, e.s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		res, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &mapping.Contact{ID: 13, CompanyID: 1, IsActive: 1, FirstName: "Amy", LastName: "Acme"}, nil)
		if err != nil {
			return err
		}
		id, err = tx.Enqueue(ctx, mapping.EntityContacts, res.RID, storage.OpUpdate, map[string]any{"firstName": "Amelia"}, nil, nil)
		return err
	}))
	psa.ft.DenyWrites(mapping.EntityContacts, "the user has no permission to edit contacts")
	psa.push(t)
	if entry, err := e.s.OutboxEntryByID(context.Background(), id); err != nil || entry.State != storage.OutboxFailed {
		t.Fatalf("the refused write-back: %v %v", entry.State, err)
	}
	psa.ft.DenyWrites(mapping.EntityContacts, "") // the tenant's admin grants the permission
	return id
}
