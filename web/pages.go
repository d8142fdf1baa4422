package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/psadav/psadav/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageCSP allows the console's own style sheet, script and images and
// nothing else: no inline script, no framing, forms only to itself.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

var pageFuncs = template.FuncMap{
	"deref": func(p *int64) int64 { return *p },
	"when": func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"collections": func(u userJSON) string {
		var on []string
		if u.ContactsScope != storage.ScopeNone {
			on = append(on, "contacts")
		}
		for _, c := range []struct {
			on   bool
			name string
		}{{u.AllContacts, "all-contacts"}, {u.Calendar, "calendar"}, {u.Tasks, "tasks"}} {
			if c.on {
				on = append(on, c.name)
			}
		}
		if len(on) == 0 {
			return "none"
		}
		return strings.Join(on, ", ")
	},
	"scopes": func() []string { return []string{storage.ScopeMine, storage.ScopeAll, storage.ScopeNone} },
	"json": func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	},
}

// pages holds one template per page, each with the layout.
var pages = func() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.New(name).Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}()

// pageData is what every page template gets.
type pageData struct {
	Title, Nav   string
	Me           *storage.Account
	CSRF         string
	Flash, Error string
	Data         any
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	// same-origin, not no-referrer: under no-referrer the browser sends
	// "Origin: null" with the page's own forms, and sameOrigin needs it.
	w.Header().Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	if err := pages[page].ExecuteTemplate(w, "layout", d); err != nil {
		s.log.Error("rendering a console page", "page", page, "err", err)
	}
}

// pageHandler is a page for a signed-in account (admin: admins only).
type pageHandler func(w http.ResponseWriter, r *http.Request, p *principal) error

// page signs the caller in by the session cookie (a browser without one
// goes to the login form), checks admin rights and, on a POST, the CSRF
// token; an error is rendered as a page with its status.
func (s *Server) page(admin bool, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := s.sessionPrincipal(r)
		switch {
		case err != nil:
			s.pageError(w, r, nil, err)
			return
		case !ok && r.Method == http.MethodGet:
			http.Redirect(w, r, "/account/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case !ok:
			s.pageError(w, r, nil, errUnauthorized("your session has ended; sign in again"))
			return
		case admin && !p.admin():
			s.pageError(w, r, p, errForbidden("this page is for admins"))
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) {
				s.pageError(w, r, p, errForbidden("a form from another site was refused"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
			if err := r.ParseForm(); err != nil {
				s.pageError(w, r, p, errBadInput("", "the form could not be read"))
				return
			}
		}
		if err := checkCSRF(r, p); err != nil {
			s.pageError(w, r, p, err)
			return
		}
		if err := h(w, r, p); err != nil {
			s.pageError(w, r, p, err)
		}
	})
}

// pageError renders an error as a page: the client's fault with its
// message, ours as a generic one (logged).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, p *principal, err error) {
	ae := statusOf(err)
	if ae.status == http.StatusInternalServerError {
		s.log.Error("console page", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	d := pageData{Title: http.StatusText(ae.status), Error: ae.msg}
	if p != nil {
		d.Me, d.CSRF = p.account, p.csrf
	}
	s.render(w, ae.status, "error", d)
}

// pageFor fills the common parts of a page's data.
func pageFor(p *principal, title, nav string, data any) pageData {
	return pageData{Title: title, Nav: nav, Me: p.account, CSRF: p.csrf, Data: data}
}

// loginForm is the login page's data.
type loginForm struct{ Next, Login string }

func (s *Server) serveLoginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok, _ := s.sessionPrincipal(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "login", pageData{Title: "Sign in", Data: loginForm{Next: r.URL.Query().Get("next")}})
}

// login checks the form's credentials as DAV checks Basic ones (same
// throttle), then starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	// No CSRF token can guard the login form itself; the browser's Origin
	// header does: another site cannot sign a visitor in to an account
	// of its choosing.
	if !sameOrigin(r) {
		s.pageError(w, r, nil, errForbidden("a form from another site was refused"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, nil, errBadInput("", "the form could not be read"))
		return
	}
	login, next := r.PostFormValue("login"), r.PostFormValue("next")
	fail := func(status int, msg string) {
		s.render(w, status, "login", pageData{Title: "Sign in", Error: msg, Data: loginForm{Next: next, Login: login}})
	}
	if s.checkLogin == nil {
		fail(http.StatusForbidden, "signing in is not available")
		return
	}
	acct, err := s.checkLogin(r, login, r.PostFormValue("password"))
	if err != nil {
		ae := statusOf(err)
		if ae.retryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int(ae.retryAfter.Round(time.Second)/time.Second)))
		}
		if ae.status == http.StatusInternalServerError {
			s.log.Error("console login", "err", err)
		}
		fail(ae.status, ae.msg)
		return
	}
	secret, _, err := s.store.CreateWebSession(r.Context(), acct, s.sessionTTL)
	if err != nil {
		s.pageError(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: secret, Path: "/", HttpOnly: true, Secure: secureRequest(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.sessionTTL / time.Second)})
	if next == "" && acct.Admin {
		next = "/admin/"
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if c, err := r.Cookie(cookieName(r)); err == nil {
		if err := s.store.DeleteWebSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: "", Path: "/", HttpOnly: true, Secure: secureRequest(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/account/login", http.StatusSeeOther)
	return nil
}

// sameOrigin reports whether a form was posted from this site: browsers
// send Origin with every POST; a request without one (not a browser) is
// let through to the CSRF check.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// safeNext keeps a post-login redirect on this site's console.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/account/") {
		if u, err := url.Parse(next); err == nil && u.Host == "" && u.Scheme == "" && !strings.Contains(next, "\\") {
			return next
		}
	}
	return "/account/"
}

// redirectDone answers a form with a redirect to the page showing the
// result, with a short message.
func redirectDone(w http.ResponseWriter, r *http.Request, to, done string) error {
	if done != "" {
		to += "?done=" + url.QueryEscape(done)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// doneMessages are the messages a redirect may carry, by key: a link
// cannot make the console show text of its own.
var doneMessages = map[string]string{
	"saved": "Saved.", "deleted": "The user was deleted.", "unhidden": "Un-hidden: back at the user's next sync.",
	"retried": "Queued again; the connector sends it shortly.", "revoked": "Revoked: its next request fails.",
	"password": "Your password was changed.",
}

// flash is the message the redirect to this page carried.
func flash(r *http.Request) string { return doneMessages[r.URL.Query().Get("done")] }

func (s *Server) registerPages() {
	s.mux.Handle("GET /account/static/", http.StripPrefix("/account/", http.FileServerFS(staticFS)))
	s.mux.HandleFunc("GET /account/login", s.serveLoginForm)
	s.mux.HandleFunc("POST /account/login", s.login)
	s.mux.Handle("POST /account/logout", s.page(false, s.logout))
	s.registerAccountPages()
	s.registerAdminPages()
	// A person who opens the server's address lands on their account page
	// (sign-in first); DAV clients never GET the root.
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/account/", http.StatusFound)
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, nil, errNotFound("no such page"))
	})
}
