package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/psadav/psadav/storage"
)

// userJSON is an account as the API shows it.
type userJSON struct {
	Login         string     `json:"login"`
	Enabled       bool       `json:"enabled"`
	Admin         bool       `json:"admin"`
	ResourceID    *int64     `json:"resource_id"`
	ContactsScope string     `json:"contacts_scope"`
	AllContacts   bool       `json:"all_contacts"`
	Calendar      bool       `json:"calendar"`
	Tasks         bool       `json:"tasks"`
	TimeZone      string     `json:"time_zone"`
	CreatedAt     time.Time  `json:"created_at"`
	LastLoginAt   *time.Time `json:"last_login_at"`
	AppPasswords  int        `json:"app_passwords"`
}

func userOf(a storage.Account, appPasswords int) userJSON {
	return userJSON{Login: a.Login, Enabled: a.Enabled, Admin: a.Admin, ResourceID: a.ResourceID,
		ContactsScope: a.Settings.ContactsScope, AllContacts: a.Settings.AllContacts, Calendar: a.Settings.Calendar,
		Tasks: a.Settings.Tasks, TimeZone: a.Settings.TimeZone, CreatedAt: a.CreatedAt, LastLoginAt: a.LastLoginAt,
		AppPasswords: appPasswords}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ *principal) error {
	offset, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	if limit < 1 || limit > 500 {
		return errBadInput("limit", "limit must be from 1 to 500")
	}
	page, err := s.store.SearchAccounts(r.Context(), r.URL.Query().Get("q"), offset, limit)
	if err != nil {
		return err
	}
	counts, err := s.store.AppPasswordCounts(r.Context())
	if err != nil {
		return err
	}
	users := make([]userJSON, 0, len(page.Accounts))
	for _, a := range page.Accounts {
		users = append(users, userOf(a, counts[a.Login]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users, "total": page.Total, "offset": offset, "limit": limit})
	return nil
}

// account reads the {login} of the path.
func (s *Server) account(r *http.Request) (storage.Account, error) {
	login := r.PathValue("login")
	if !storage.ValidLogin(login) { // no account has another name (and PostgreSQL cannot compare one)
		return storage.Account{}, errNotFound("no user %q", login)
	}
	a, err := s.store.Account(r.Context(), login)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, errNotFound("no user %q", login)
	}
	return a, err
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ *principal) error {
	a, err := s.account(r)
	if err != nil {
		return err
	}
	return s.writeUser(w, r, http.StatusOK, a, nil)
}

// writeUser answers an account; extra fields (a generated password) are
// added to the object.
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, status int, a storage.Account, extra map[string]any) error {
	counts, err := s.store.AppPasswordCounts(r.Context())
	if err != nil {
		return err
	}
	if extra == nil {
		writeJSON(w, status, userOf(a, counts[a.Login]))
		return nil
	}
	out := map[string]any{"user": userOf(a, counts[a.Login])}
	for k, v := range extra {
		out[k] = v
	}
	writeJSON(w, status, out)
	return nil
}

// userChange is the body of POST /users and PATCH /users/{login}: absent
// fields are left as they are (or take the default).
type userChange struct {
	Login         *string `json:"login"`
	Password      *string `json:"password"`
	Enabled       *bool   `json:"enabled"`
	Admin         *bool   `json:"admin"`
	ResourceID    *int64  `json:"resource_id"`
	ContactsScope *string `json:"contacts_scope"`
	AllContacts   *bool   `json:"all_contacts"`
	Calendar      *bool   `json:"calendar"`
	Tasks         *bool   `json:"tasks"`
	TimeZone      *string `json:"time_zone"`
}

// apply changes settings as the body says and validates the result,
// naming the field at fault.
func (c *userChange) apply(u *storage.UserSettings) error {
	if c.ContactsScope != nil {
		u.ContactsScope = *c.ContactsScope
	}
	if c.TimeZone != nil {
		u.TimeZone = *c.TimeZone
	}
	for _, f := range []struct {
		v   *bool
		dst *bool
	}{{c.AllContacts, &u.AllContacts}, {c.Calendar, &u.Calendar}, {c.Tasks, &u.Tasks}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if err := u.Validate(); err != nil {
		field := "time_zone"
		if strings.HasPrefix(err.Error(), "contacts scope") {
			field = "contacts_scope"
		}
		return errBadInput(field, "%s", err.Error())
	}
	if c.ResourceID != nil && *c.ResourceID < 0 {
		return errBadInput("resource_id", "resource_id must be a PSA resource id")
	}
	return nil
}

func checkPassword(field, pw string) error {
	if len(pw) < storage.MinPasswordLength || len(pw) > 72 {
		return errBadInput(field, "the password must have %d to 72 bytes", storage.MinPasswordLength)
	}
	return nil
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request, p *principal) error {
	var c userChange
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	a, password, err := s.doAddUser(r, p, c)
	if err != nil {
		return err
	}
	extra := map[string]any{}
	if password != "" {
		extra["password"] = password // shown once
	}
	return s.writeUser(w, r, http.StatusCreated, a, extra)
}

// doAddUser adds a user as the API and the page do; password is the
// generated one ("" when the caller gave one).
func (s *Server) doAddUser(r *http.Request, p *principal, c userChange) (storage.Account, string, error) {
	if c.Login == nil || !storage.ValidLogin(*c.Login) {
		return storage.Account{}, "", errBadInput("login", "login: use letters, digits, '.', '_', '@' or '-' (at most 64, starting with a letter or digit)")
	}
	if c.Enabled != nil {
		return storage.Account{}, "", errBadInput("enabled", "a new user is enabled; disable them afterwards")
	}
	settings := storage.DefaultUserSettings()
	if err := c.apply(&settings); err != nil {
		return storage.Account{}, "", err
	}
	password, generated := generatePassword(), ""
	if c.Password != nil {
		if err := checkPassword("password", *c.Password); err != nil {
			return storage.Account{}, "", err
		}
		password = *c.Password
	} else {
		generated = password
	}
	resource := c.ResourceID
	if resource == nil {
		// Linked to the PSA resource of the same user name, as the CLI does.
		id, ok, err := s.store.ResourceByUserName(r.Context(), *c.Login)
		if err != nil {
			return storage.Account{}, "", err
		}
		if ok {
			resource = &id
		}
	}
	a, err := s.store.CreateAccount(r.Context(), *c.Login, password, resource, settings)
	if errors.Is(err, storage.ErrConflict) {
		return storage.Account{}, "", &apiError{status: http.StatusConflict, field: "login", msg: fmt.Sprintf("a user %q exists", *c.Login)}
	}
	if err != nil {
		return storage.Account{}, "", err
	}
	if c.Admin != nil && *c.Admin {
		if err := s.store.SetAdmin(r.Context(), a.Login, true); err != nil {
			return storage.Account{}, "", err
		}
		a.Admin = true
	}
	return a, generated, s.audit(r, p, "user.add", a.Login, describeUser(a))
}

func describeUser(a storage.Account) string {
	res := "none"
	if a.ResourceID != nil {
		res = fmt.Sprint(*a.ResourceID)
	}
	return fmt.Sprintf("enabled=%t admin=%t resource=%s contacts=%s all-contacts=%t calendar=%t tasks=%t time-zone=%s",
		a.Enabled, a.Admin, res, a.Settings.ContactsScope, a.Settings.AllContacts, a.Settings.Calendar, a.Settings.Tasks, a.Settings.TimeZone)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, p *principal) error {
	a, err := s.account(r)
	if err != nil {
		return err
	}
	var c userChange
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	if a, err = s.doChangeUser(r, p, a, c); err != nil {
		return err
	}
	return s.writeUser(w, r, http.StatusOK, a, nil)
}

// doChangeUser changes a user as the body says, having validated all of it.
func (s *Server) doChangeUser(r *http.Request, p *principal, a storage.Account, c userChange) (storage.Account, error) {
	if c.Login != nil && *c.Login != a.Login {
		return storage.Account{}, errBadInput("login", "a login cannot be renamed; add a new user")
	}
	if c.Password != nil {
		return storage.Account{}, errBadInput("password", "reset a password with POST /api/v1/users/{login}/password")
	}
	// Validate everything before anything changes.
	next := a.Settings
	if err := c.apply(&next); err != nil {
		return storage.Account{}, err
	}
	if p.account != nil && p.account.Login == a.Login && ((c.Admin != nil && !*c.Admin) || (c.Enabled != nil && !*c.Enabled)) {
		return storage.Account{}, errBadInput("admin", "you cannot take away your own admin rights or disable yourself; ask another admin")
	}
	ctx := r.Context()
	var err error
	if next != a.Settings {
		if a, err = s.store.UpdateSettings(ctx, a.Login, func(u *storage.UserSettings) { *u = next }); err != nil {
			return storage.Account{}, err
		}
	}
	if c.ResourceID != nil && (a.ResourceID == nil || *a.ResourceID != *c.ResourceID) {
		if err := s.store.LinkResource(ctx, a.Login, *c.ResourceID); err != nil {
			return storage.Account{}, err
		}
		a.ResourceID = c.ResourceID
	}
	if c.Enabled != nil && *c.Enabled != a.Enabled {
		if err := s.store.SetEnabled(ctx, a.Login, *c.Enabled); err != nil {
			return storage.Account{}, err
		}
		a.Enabled = *c.Enabled
	}
	if c.Admin != nil && *c.Admin != a.Admin {
		if err := s.store.SetAdmin(ctx, a.Login, *c.Admin); err != nil {
			return storage.Account{}, err
		}
		a.Admin = *c.Admin
	}
	return a, s.audit(r, p, "user.change", a.Login, describeUser(a))
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.doDeleteUser(r, p, r.PathValue("login")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) doDeleteUser(r *http.Request, p *principal, login string) error {
	if p.account != nil && p.account.Login == login {
		return errForbidden("you cannot delete yourself; ask another admin")
	}
	if !storage.ValidLogin(login) {
		return errNotFound("no user %q", login)
	}
	if err := s.store.DeleteAccount(r.Context(), login); err != nil {
		return err
	}
	return s.audit(r, p, "user.delete", login, "")
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Password *string `json:"password"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(w, r, &body); err != nil {
			return err
		}
	}
	generated, err := s.doResetPassword(r, p, r.PathValue("login"), body.Password)
	if err != nil {
		return err
	}
	out := map[string]any{"login": r.PathValue("login")}
	if generated != "" {
		out["password"] = generated // shown once
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// doResetPassword sets login's password to the given one or a generated
// one, which it returns.
func (s *Server) doResetPassword(r *http.Request, p *principal, login string, given *string) (generated string, err error) {
	if !storage.ValidLogin(login) {
		return "", errNotFound("no user %q", login)
	}
	password := generatePassword()
	if given != nil {
		if err := checkPassword("password", *given); err != nil {
			return "", err
		}
		password = *given
	} else {
		generated = password
	}
	if err := s.store.SetPassword(r.Context(), login, password); err != nil {
		return "", err
	}
	return generated, s.audit(r, p, "user.password", login, "password reset")
}

func (s *Server) userCollections(w http.ResponseWriter, r *http.Request, _ *principal) error {
	a, err := s.account(r)
	if err != nil {
		return err
	}
	colls, err := s.store.CollectionSummaries(r.Context(), a.Login)
	if err != nil {
		return err
	}
	type collJSON struct {
		storage.CollectionSummary
		Href string `json:"href"`
	}
	out := make([]collJSON, 0, len(colls))
	for _, c := range colls {
		out = append(out, collJSON{c, collectionHref(a.Login, c.Name)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": out})
	return nil
}

// collectionHref is a collection's DAV path (dav/path.go's layout).
func collectionHref(login, name string) string {
	home := "calendars"
	if name == storage.CollContacts || name == storage.CollAllContacts {
		home = "addressbooks"
	}
	return "/dav/" + home + "/" + login + "/" + name + "/"
}

type hiddenJSON struct {
	Ref      string    `json:"ref"` // COLLECTION/NAME, as un-hide takes it
	Kind     string    `json:"kind"`
	PSAID    *int64    `json:"psa_id"`
	Title    string    `json:"title"`
	HiddenAt time.Time `json:"hidden_at"`
}

func (s *Server) hiddenItems(w http.ResponseWriter, r *http.Request, _ *principal) error {
	a, err := s.account(r)
	if err != nil {
		return err
	}
	items, err := s.store.HiddenItems(r.Context(), a.Login)
	if err != nil {
		return err
	}
	out := make([]hiddenJSON, 0, len(items))
	for _, it := range items {
		out = append(out, hiddenJSON{Ref: it.Collection + "/" + it.Href, Kind: it.Kind, PSAID: it.PSAID, Title: it.Title, HiddenAt: it.HiddenAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"hidden": out})
	return nil
}

func (s *Server) unhide(w http.ResponseWriter, r *http.Request, p *principal) error {
	n, err := s.doUnhide(r, p, r.PathValue("login"), r.PathValue("ref"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"unhidden": n})
	return nil
}

func (s *Server) unhideAll(w http.ResponseWriter, r *http.Request, p *principal) error {
	n, err := s.doUnhide(r, p, r.PathValue("login"), "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"unhidden": n})
	return nil
}

// doUnhide un-hides one of login's hidden items (ref "": all of them).
func (s *Server) doUnhide(r *http.Request, p *principal, login, ref string) (int, error) {
	if !storage.ValidLogin(login) {
		return 0, errNotFound("no user %q", login)
	}
	var n int
	var err error
	if ref == "" {
		n, err = s.store.UnhideAll(r.Context(), login)
		ref = "all"
	} else if n, err = s.store.Unhide(r.Context(), login, ref); err == nil && n == 0 {
		return 0, errNotFound("%s has no hidden item %q", login, ref)
	}
	if err != nil {
		return 0, err
	}
	return n, s.audit(r, p, "user.unhide", login, fmt.Sprintf("%s (%d)", ref, n))
}

// generatePassword makes a password to show once, like the CLI's: 20
// characters without look-alikes.
func generatePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
