package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/psadav/psadav/storage"
)

func (s *Server) registerAdminPages() {
	for _, pg := range []struct {
		pattern string
		h       pageHandler
	}{
		{"GET /admin/{$}", s.usersPage},
		{"POST /admin/users", s.addUserForm},
		{"GET /admin/users/{login}", s.userPage},
		{"POST /admin/users/{login}", s.changeUserForm},
		{"POST /admin/users/{login}/password", s.resetPasswordForm},
		{"POST /admin/users/{login}/delete", s.deleteUserForm},
		{"POST /admin/users/{login}/unhide", s.unhideForm},
		{"GET /admin/settings", s.settingsPage},
		{"POST /admin/settings", s.settingForm},
		{"GET /admin/psa", s.psaPage},
		{"GET /admin/outbox/{id}", s.outboxPage},
		{"POST /admin/outbox/{id}/retry", s.retryForm},
		{"GET /admin/audit", s.auditPage},
		{"POST /admin/tokens/revoke", s.revokeTokenForm},
	} {
		s.mux.Handle(pg.pattern, s.page(true, pg.h))
	}
}

// usersPageSize is how many users a page of the list shows.
const usersPageSize = 50

type usersPageData struct {
	Query      string
	Page       storage.AccountPage
	Users      []userJSON
	From, To   int
	Prev, Next string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	offset, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	page, err := s.store.SearchAccounts(r.Context(), q, offset, usersPageSize)
	if err != nil {
		return err
	}
	counts, err := s.store.AppPasswordCounts(r.Context())
	if err != nil {
		return err
	}
	d := usersPageData{Query: q, Page: page, From: min(offset+1, page.Total), To: offset + len(page.Accounts)}
	for _, a := range page.Accounts {
		d.Users = append(d.Users, userOf(a, counts[a.Login]))
	}
	link := func(off int) string {
		return "/admin/?" + url.Values{"q": {q}, "offset": {strconv.Itoa(off)}}.Encode()
	}
	if offset > 0 {
		d.Prev = link(max(offset-usersPageSize, 0))
	}
	if offset+len(page.Accounts) < page.Total {
		d.Next = link(offset + usersPageSize)
	}
	data := pageFor(p, "Users", "users", d)
	data.Flash = flash(r)
	s.render(w, http.StatusOK, "users", data)
	return nil
}

// formUserChange reads the add and edit forms into the API's change.
// Checkboxes absent from a submitted edit form are off.
func formUserChange(r *http.Request, edit bool) (userChange, error) {
	var c userChange
	str := func(name string) *string {
		if v, ok := r.PostForm[name]; ok {
			t := strings.TrimSpace(v[0])
			return &t
		}
		return nil
	}
	box := func(name string) *bool {
		on := r.PostFormValue(name) == "on"
		return &on
	}
	c.Login, c.ContactsScope, c.TimeZone = str("login"), str("contacts_scope"), str("time_zone")
	if v := str("resource_id"); v != nil && *v != "" {
		id, err := strconv.ParseInt(*v, 10, 64)
		if err != nil || id < 0 {
			return c, errBadInput("resource_id", "the PSA resource id must be a whole number")
		}
		c.ResourceID = &id
	}
	c.Admin = box("admin")
	if edit {
		c.AllContacts, c.Calendar, c.Tasks, c.Enabled = box("all_contacts"), box("calendar"), box("tasks"), box("enabled")
	}
	return c, nil
}

func (s *Server) addUserForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	c, err := formUserChange(r, false)
	if err != nil {
		return err
	}
	a, password, err := s.doAddUser(r, p, c)
	if err != nil {
		return err
	}
	// The generated password is shown on this answer only.
	return s.renderUser(w, r, p, a.Login, password, fmt.Sprintf("User %s added.", a.Login), "")
}

type userPageData struct {
	User        userJSON
	Password    string
	Collections []struct {
		storage.CollectionSummary
		Href string
	}
	Hidden []hiddenJSON
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, p *principal, login, password, msg, problem string) error {
	if !storage.ValidLogin(login) {
		return errNotFound("no user %q", login)
	}
	a, err := s.store.Account(r.Context(), login)
	if err != nil {
		return err
	}
	counts, err := s.store.AppPasswordCounts(r.Context())
	if err != nil {
		return err
	}
	colls, err := s.store.CollectionSummaries(r.Context(), login)
	if err != nil {
		return err
	}
	hidden, err := s.store.HiddenItems(r.Context(), login)
	if err != nil {
		return err
	}
	d := userPageData{User: userOf(a, counts[login]), Password: password}
	for _, c := range colls {
		d.Collections = append(d.Collections, struct {
			storage.CollectionSummary
			Href string
		}{c, collectionHref(login, c.Name)})
	}
	for _, it := range hidden {
		d.Hidden = append(d.Hidden, hiddenJSON{Ref: it.Collection + "/" + it.Href, Kind: it.Kind, PSAID: it.PSAID, Title: it.Title, HiddenAt: it.HiddenAt})
	}
	data := pageFor(p, "User "+login, "users", d)
	data.Flash, data.Error = msg, problem
	status := http.StatusOK
	if problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, status, "user", data)
	return nil
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.renderUser(w, r, p, r.PathValue("login"), "", flash(r), "")
}

func (s *Server) changeUserForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	login := r.PathValue("login")
	c, err := formUserChange(r, true)
	if err == nil {
		var a storage.Account
		if a, err = s.accountByLogin(r, login); err == nil {
			_, err = s.doChangeUser(r, p, a, c)
		}
	}
	if ae := statusOf(err); err != nil && ae.status == http.StatusBadRequest {
		return s.renderUser(w, r, p, login, "", "", ae.msg) // nothing changed; say why
	}
	if err != nil {
		return err
	}
	return redirectDone(w, r, "/admin/users/"+url.PathEscape(login), "saved")
}

func (s *Server) accountByLogin(r *http.Request, login string) (storage.Account, error) {
	if !storage.ValidLogin(login) {
		return storage.Account{}, errNotFound("no user %q", login)
	}
	return s.store.Account(r.Context(), login)
}

func (s *Server) resetPasswordForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	login := r.PathValue("login")
	generated, err := s.doResetPassword(r, p, login, nil)
	if err != nil {
		return err
	}
	return s.renderUser(w, r, p, login, generated, "Password reset.", "")
}

func (s *Server) deleteUserForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.doDeleteUser(r, p, r.PathValue("login")); err != nil {
		return err
	}
	return redirectDone(w, r, "/admin/", "deleted")
}

func (s *Server) unhideForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	login := r.PathValue("login")
	if _, err := s.doUnhide(r, p, login, r.PostFormValue("ref")); err != nil {
		return err
	}
	return redirectDone(w, r, "/admin/users/"+url.PathEscape(login), "unhidden")
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	return s.renderSettings(w, r, p, flash(r), "")
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, p *principal, msg, problem string) error {
	settings, err := s.settings(r)
	if err != nil {
		return err
	}
	data := pageFor(p, "Organisation settings", "settings", settings)
	data.Flash, data.Error = msg, problem
	status := http.StatusOK
	if problem != "" {
		status = http.StatusBadRequest
	}
	s.render(w, status, "settings", data)
	return nil
}

func (s *Server) settingForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	err := s.setSetting(r, p, r.PostFormValue("key"), r.PostFormValue("value"))
	if ae := statusOf(err); err != nil && ae.status < 500 {
		return s.renderSettings(w, r, p, "", ae.msg)
	}
	if err != nil {
		return err
	}
	return redirectDone(w, r, "/admin/settings", "saved")
}

type psaPageData struct {
	Status psaStatusJSON
	Outbox []outboxJSON
}

func (s *Server) psaPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	st, err := s.psaStatus(r)
	if err != nil {
		return err
	}
	entries, err := s.store.Outbox(r.Context(), storage.OutboxFilter{Limit: 200,
		States: []storage.OutboxState{storage.OutboxFailed, storage.OutboxPending, storage.OutboxHeld}})
	if err != nil {
		return err
	}
	d := psaPageData{Status: st}
	for _, e := range entries {
		d.Outbox = append(d.Outbox, outboxOf(e, false))
	}
	data := pageFor(p, "PSA connector and outbox", "psa", d)
	data.Flash = flash(r)
	s.render(w, http.StatusOK, "psa", data)
	return nil
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	e, err := s.outboxEntry(r)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "outbox", pageFor(p, fmt.Sprintf("Write-back %d", e.ID), "psa", e))
	return nil
}

func (s *Server) retryForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.doRetryOutbox(r, p, id); err != nil {
		return err
	}
	return redirectDone(w, r, "/admin/psa", "retried")
}

type auditPageData struct {
	Entries []storage.AuditEntry
	Tokens  []storage.APIToken
	Older   string
}

// auditPageSize is how many audit entries a page shows.
const auditPageSize = 100

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	before, err := queryInt(r, "before", 0)
	if err != nil {
		return err
	}
	entries, err := s.store.AuditLog(r.Context(), int64(before), auditPageSize)
	if err != nil {
		return err
	}
	tokens, err := s.store.APITokens(r.Context())
	if err != nil {
		return err
	}
	d := auditPageData{Entries: entries, Tokens: tokens}
	if len(entries) == auditPageSize {
		d.Older = fmt.Sprintf("/admin/audit?before=%d", entries[len(entries)-1].ID)
	}
	data := pageFor(p, "Audit log", "audit", d)
	data.Flash = flash(r)
	s.render(w, http.StatusOK, "audit", data)
	return nil
}

func (s *Server) revokeTokenForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.doRevokeToken(r, p, r.PostFormValue("name")); err != nil {
		return err
	}
	return redirectDone(w, r, "/admin/audit", "revoked")
}
