package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/psadav/psadav/storage"
)

// access says who may call a route.
type access int

const (
	adminOnly   access = iota // an admin's session or an API token
	accountOnly               // a signed-in account (its own data)
)

// route is one API endpoint; openapi.json documents each (a test checks).
type route struct {
	method, path string
	access       access
	basic        bool // HTTP Basic with the account's password is accepted
	handle       func(w http.ResponseWriter, r *http.Request, p *principal) error
}

func (s *Server) apiRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/users", handle: s.listUsers},
		{method: "POST", path: "/api/v1/users", handle: s.addUser},
		{method: "GET", path: "/api/v1/users/{login}", handle: s.getUser},
		{method: "PATCH", path: "/api/v1/users/{login}", handle: s.patchUser},
		{method: "DELETE", path: "/api/v1/users/{login}", handle: s.deleteUser},
		{method: "POST", path: "/api/v1/users/{login}/password", handle: s.resetPassword},
		{method: "GET", path: "/api/v1/users/{login}/collections", handle: s.userCollections},
		{method: "GET", path: "/api/v1/users/{login}/hidden", handle: s.hiddenItems},
		{method: "DELETE", path: "/api/v1/users/{login}/hidden", handle: s.unhideAll},
		{method: "DELETE", path: "/api/v1/users/{login}/hidden/{ref...}", handle: s.unhide},
		{method: "GET", path: "/api/v1/settings", handle: s.listSettings},
		{method: "PUT", path: "/api/v1/settings/{key}", handle: s.putSetting},
		{method: "GET", path: "/api/v1/outbox", handle: s.listOutbox},
		{method: "GET", path: "/api/v1/outbox/{id}", handle: s.getOutbox},
		{method: "POST", path: "/api/v1/outbox/{id}/retry", handle: s.retryOutbox},
		{method: "GET", path: "/api/v1/psa/status", handle: s.getPSAStatus},
		{method: "GET", path: "/api/v1/audit", handle: s.listAudit},
		{method: "GET", path: "/api/v1/tokens", handle: s.listTokens},
		{method: "DELETE", path: "/api/v1/tokens/{name}", handle: s.revokeToken},
		{method: "GET", path: "/api/v1/me", access: accountOnly, basic: true, handle: s.getMe},
		{method: "POST", path: "/api/v1/me/password", access: accountOnly, basic: true, handle: s.changeOwnPassword},
		{method: "GET", path: "/api/v1/me/app-passwords", access: accountOnly, basic: true, handle: s.listAppPasswords},
		{method: "POST", path: "/api/v1/me/app-passwords", access: accountOnly, basic: true, handle: s.createAppPassword},
		{method: "DELETE", path: "/api/v1/me/app-passwords/{id}", access: accountOnly, basic: true, handle: s.revokeAppPassword},
	}
}

// api authenticates, authorises and runs a route, answering errors as JSON.
func (s *Server) api(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.runRoute(w, r, rt)
		if err == nil {
			return
		}
		if statusOf(err).status == http.StatusInternalServerError {
			s.log.Error("console API", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeError(w, r, err)
	})
}

func (s *Server) runRoute(w http.ResponseWriter, r *http.Request, rt route) error {
	p, err := s.authenticate(r, rt.basic)
	if err != nil {
		return err
	}
	switch {
	case rt.access == adminOnly && !p.admin():
		return errForbidden("this needs an admin")
	case rt.access == accountOnly && p.account == nil:
		return errForbidden("an API token belongs to no account; sign in as the user")
	}
	if err := checkCSRF(r, p); err != nil {
		return err
	}
	return rt.handle(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), p)
}

// audit records a change made by p.
func (s *Server) audit(r *http.Request, p *principal, action, target, detail string) error {
	return s.store.Audit(r.Context(), storage.AuditEntry{Actor: p.name(), Remote: s.clientAddr(r), Action: action, Target: target, Detail: detail})
}

// queryInt reads a non-negative whole-number query parameter (def when absent).
func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errBadInput(name, "%s must be a whole number of 0 or more", name)
	}
	return n, nil
}

// pathID reads a numeric path segment.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, errNotFound("no %s %q", name, r.PathValue(name))
	}
	return n, nil
}
