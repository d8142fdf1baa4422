package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/storage"
)

// Store is what the console needs from storage; *storage.Store has it.
type Store interface {
	Account(ctx context.Context, login string) (storage.Account, error)
	SearchAccounts(ctx context.Context, query string, offset, limit int) (storage.AccountPage, error)
	CreateAccount(ctx context.Context, login, password string, resourceID *int64, settings storage.UserSettings) (storage.Account, error)
	ResourceByUserName(ctx context.Context, userName string) (int64, bool, error)
	UpdateSettings(ctx context.Context, login string, change func(*storage.UserSettings)) (storage.Account, error)
	LinkResource(ctx context.Context, login string, resourceID int64) error
	SetEnabled(ctx context.Context, login string, enabled bool) error
	SetAdmin(ctx context.Context, login string, admin bool) error
	SetPassword(ctx context.Context, login, password string) error
	DeleteAccount(ctx context.Context, login string) error
	AppPasswordCounts(ctx context.Context) (map[string]int, error)
	CollectionSummaries(ctx context.Context, login string) ([]storage.CollectionSummary, error)
	HiddenItems(ctx context.Context, login string) ([]storage.HiddenItem, error)
	Unhide(ctx context.Context, login, ref string) (int, error)
	UnhideAll(ctx context.Context, login string) (int, error)
	SettingValues(ctx context.Context) (map[string]string, error)
	SetSetting(ctx context.Context, key, value string) error
	Outbox(ctx context.Context, f storage.OutboxFilter) ([]storage.OutboxEntry, error)
	OutboxEntryByID(ctx context.Context, id int64) (storage.OutboxEntry, error)
	OutboxHistory(ctx context.Context, id int64) ([]storage.OutboxEvent, error)
	RequeueOutbox(ctx context.Context, id int64) (storage.OutboxEntry, error)
	Audit(ctx context.Context, e storage.AuditEntry) error
	AuditLog(ctx context.Context, beforeID int64, limit int) ([]storage.AuditEntry, error)
	APITokens(ctx context.Context) ([]storage.APIToken, error)
	RevokeAPIToken(ctx context.Context, name string) error
	AuthenticateAPIToken(ctx context.Context, token string) (storage.APIToken, error)
	CreateAppPassword(ctx context.Context, login, name string) (storage.AppPassword, string, error)
	AppPasswords(ctx context.Context, login string) ([]storage.AppPassword, error)
	RevokeAppPassword(ctx context.Context, login string, id int64) error
	CreateWebSession(ctx context.Context, acct storage.Account, ttl time.Duration) (string, storage.WebSession, error)
	WebSessionBySecret(ctx context.Context, secret string) (storage.WebSession, error)
	DeleteWebSession(ctx context.Context, secret string) error
}

var _ Store = (*storage.Store)(nil)

// Options configure the console.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// Login checks a login and password as DAV does, under DAV's
	// throttle (dav.Server.CheckLogin): storage.ErrBadCredentials for
	// wrong ones, an error with a RetryAfter() when the client must wait.
	Login func(r *http.Request, login, password string) (storage.Account, error)
	// ClientAddr names the client a request came from (behind a trusted
	// proxy, the forwarded address), for the audit log.
	ClientAddr func(r *http.Request) string
	// PSAStatus reads the connector's state (syncer.ReadStatus); nil when
	// no PSA is configured.
	PSAStatus func(ctx context.Context) (syncer.Status, error)
	// SessionTTL is how long a browser stays signed in (8 hours when 0).
	SessionTTL time.Duration
}

// Server serves /api/v1/, /admin/ and /account/.
type Server struct {
	store      Store
	log        *slog.Logger
	checkLogin func(r *http.Request, login, password string) (storage.Account, error)
	clientAddr func(r *http.Request) string
	readPSA    func(ctx context.Context) (syncer.Status, error)
	sessionTTL time.Duration
	mux        *http.ServeMux
}

// mainPasswordOnly refuses app passwords where a login check guards the
// account itself (the sign-in form, Basic on /api/v1/me/, the current
// password of a change): an app password lets one device sync, so a
// stolen phone must not mint new app passwords, sign in to the console or
// change the password that would revoke it.
func mainPasswordOnly(check func(r *http.Request, login, password string) (storage.Account, error)) func(r *http.Request, login, password string) (storage.Account, error) {
	if check == nil {
		return nil
	}
	return func(r *http.Request, login, password string) (storage.Account, error) {
		acct, err := check(r, login, password)
		if err == nil && acct.AppPasswordID != 0 {
			return storage.Account{}, errUnauthorized("an app password signs a device in to sync only; use your main password")
		}
		return acct, err
	}
}

// New returns the console's handler.
func New(opts Options) *Server {
	s := &Server{store: opts.Store, log: opts.Logger, checkLogin: mainPasswordOnly(opts.Login), clientAddr: opts.ClientAddr,
		readPSA: opts.PSAStatus, sessionTTL: opts.SessionTTL, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.clientAddr == nil {
		s.clientAddr = func(r *http.Request) string { return r.RemoteAddr }
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = 8 * time.Hour
	}
	for _, rt := range s.apiRoutes() {
		s.mux.Handle(rt.method+" "+rt.path, s.api(rt))
	}
	s.mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errNotFound("no such API endpoint"))
	})
	s.registerPages()
	return s
}

// Paths are the URL patterns the console answers (its prefixes, and a GET
// of the server's root, which leads a browser to /account/); psadav serve
// routes them here and everything else to DAV.
var Paths = []string{"/api/", "/admin/", "/account/", "GET /{$}"}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}
