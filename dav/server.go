package dav

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/psadav/psadav/storage"
)

// Store is what the DAV server needs from storage. *storage.Store
// implements it; tests may substitute their own.
type Store interface {
	Authenticate(ctx context.Context, login, password string) (storage.Account, error)
	PrincipalInfo(ctx context.Context, a storage.Account) (storage.Principal, error)
	UserCollections(ctx context.Context, userID int64) ([]storage.Collection, error)
	UserCollection(ctx context.Context, userID int64, name string) (storage.Collection, error)
	SyncToken(ctx context.Context, c storage.Collection) (int64, error)
	ListObjects(ctx context.Context, collectionID int64, fn func(storage.ObjectInfo) error) error
	GetObject(ctx context.Context, collectionID int64, href string) (storage.Object, error)
	GetUserObject(ctx context.Context, userID int64, collection, href string) (storage.Collection, storage.Object, error)
	GetObjects(ctx context.Context, collectionID int64, hrefs []string) ([]storage.Object, error)
	CountObjects(ctx context.Context, collectionID int64) (int, error)
	ObjectsInRange(ctx context.Context, collectionID int64, start, end int64, withUnbounded bool) ([]storage.Object, error)
	UserSyncScan(ctx context.Context, userID int64, name string, since int64) (storage.Collection, *storage.ChangeScan, error)
	Props(ctx context.Context, userID int64, resource string) ([]storage.DeadProp, error)
	SetProps(ctx context.Context, userID int64, resource string, set, remove []storage.DeadProp) error
	NoteClientSync(ctx context.Context, collectionID int64, client string)
	PutObject(ctx context.Context, req storage.PutRequest) (storage.PutResult, error)
	DeleteObject(ctx context.Context, req storage.DeleteRequest) error
	Ping(ctx context.Context) error
}

var _ Store = (*storage.Store)(nil)

// Options configure a Server.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// MaxResourceSize bounds a PUT body (advertised as max-resource-size).
	MaxResourceSize int64
	// Ready reports whether the server should take traffic (/readyz);
	// nil means: when the database answers.
	Ready func(ctx context.Context) error
	// TrustedProxies are the reverse proxies whose X-Forwarded-For or
	// Forwarded header names the client (clientaddr.go); from any other
	// peer the headers are ignored.
	TrustedProxies []netip.Prefix
}

// DefaultMaxResourceSize is the PUT body limit when none is configured.
const DefaultMaxResourceSize = 10 << 20

// maxRequestXML bounds PROPFIND, PROPPATCH and REPORT bodies; a multiget
// may be larger, as its collection allows (report_body.go).
const maxRequestXML = 1 << 20

// Server is psadav's HTTP handler: health endpoints, discovery and the
// CalDAV/CardDAV protocol over the store.
type Server struct {
	store    Store
	log      *slog.Logger
	maxBody  int64
	ready    func(ctx context.Context) error
	proxies  []netip.Prefix
	throttle *throttle
	logins   singleflight.Group // concurrent identical login attempts (auth.go)
	sessions sessions
}

// New returns a Server.
func New(opts Options) *Server {
	s := &Server{store: opts.Store, log: opts.Logger, maxBody: opts.MaxResourceSize, ready: opts.Ready,
		proxies: opts.TrustedProxies, throttle: newThrottle()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxResourceSize
	}
	if s.ready == nil {
		s.ready = s.store.Ping
	}
	return s
}

type ctxKey int

const userKey ctxKey = 1

func userFrom(ctx context.Context) *storage.Account {
	u, _ := ctx.Value(userKey).(*storage.Account)
	return u
}

// ServeHTTP logs one line per request (client address, user, method, path,
// status, duration) and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &recorder{ResponseWriter: w}
	var reqID [6]byte
	rand.Read(reqID[:])
	id := hex.EncodeToString(reqID[:])
	rw.Header().Set("X-Request-Id", id)
	user := ""
	client := s.clientAddr(r)
	remote := r.RemoteAddr
	if client.IsValid() {
		remote = client.String()
	}
	abort := false
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			s.log.Error("panic serving request", "id", id, "method", r.Method, "path", r.URL.Path, "panic", p)
			if !rw.wrote {
				http.Error(rw, "internal error", http.StatusInternalServerError)
			} else {
				abort = true
			}
		}
		level := slog.LevelInfo
		switch {
		case abort || (rw.status >= 500 && rw.status != http.StatusServiceUnavailable):
			level = slog.LevelError
		case rw.status == http.StatusServiceUnavailable:
			level = slog.LevelWarn // busy (ErrBusy), not broken
		}
		attrs := []any{"id", id, "remote", remote, "user", user, "client", ClientFamily(r.UserAgent()), "method", r.Method,
			"path", r.URL.Path, "status", rw.status, "bytes", rw.bytes, "duration", time.Since(start).Round(time.Microsecond)}
		if rw.gone {
			attrs = append(attrs, "client_gone", true)
		}
		s.log.Log(r.Context(), level, "request", attrs...)
		if p == http.ErrAbortHandler || abort {
			// net/http closes the connection without ending the body, so
			// the client cannot take a partial answer for a whole one.
			panic(http.ErrAbortHandler)
		}
	}()
	w = gzipIfAccepted(rw, r)
	defer closeGzip(w)

	switch r.URL.Path {
	case "/healthz":
		w.Write([]byte("ok\n"))
		return
	case "/readyz":
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
		return
	}
	if r.Method == http.MethodOptions {
		s.serveOptions(w, r)
		return
	}
	if isWellKnown(r.URL.Path) && r.Header.Get("Authorization") == "" {
		// RFC 6764 §5: discovery starts without credentials; the context
		// path answers who the user is once they log in.
		http.Redirect(w, r, prefix, http.StatusMovedPermanently)
		return
	}
	acct, err := s.authenticate(r, client, remote)
	noteAuth(r, err)
	if err != nil {
		abort = s.fail(w, rw, r, id, err)
		return
	}
	user = acct.Login
	r = r.WithContext(context.WithValue(r.Context(), userKey, &acct))
	if err := s.dispatch(w, r); err != nil {
		abort = s.fail(w, rw, r, id, err)
	}
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) error {
	if isWellKnown(r.URL.Path) {
		return s.serveWellKnown(w, r)
	}
	if r.Method == "MKCOL" || r.Method == "MKCALENDAR" {
		// Which collections a user has is the administrator's decision.
		return errCond(http.StatusForbidden, condNeedPrivileges, "collections are set up by the administrator; new ones cannot be created here")
	}
	if p, err := url.PathUnescape(r.URL.EscapedPath()); err == nil && !validName(p) {
		return errStatus(http.StatusBadRequest, "resource names must be UTF-8 text")
	}
	res := parsePath(r.URL.EscapedPath())
	if res.kind == resUnknown {
		return errStatus(http.StatusNotFound, "no such resource")
	}
	// A user sees only their own principal, homes, collections and objects.
	if res.login != "" && res.login != userFrom(r.Context()).Login {
		return errStatus(http.StatusNotFound, "no such resource")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return s.serveGet(w, r, res)
	case "PROPFIND":
		return s.servePropfind(w, r, res)
	case "PROPPATCH":
		return s.serveProppatch(w, r, res)
	case "REPORT":
		return s.serveReport(w, r, res)
	case http.MethodPut:
		return s.servePut(w, r, res)
	case http.MethodDelete:
		return s.serveDelete(w, r, res)
	}
	w.Header().Set("Allow", allowFor(res))
	return errStatus(http.StatusMethodNotAllowed, "method %s is not supported here", r.Method)
}

// recorder remembers the status and size of a response for the log line,
// and whether writing it failed (the client went away).
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	wrote    bool
	writeErr error
	gone     bool // the client closed the connection
}

func (r *recorder) WriteHeader(code int) {
	if r.wrote {
		return // the status line is out; a second one would be a bug's only trace
	}
	r.status, r.wrote = code, true
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	if err != nil && r.writeErr == nil {
		r.writeErr = err
	}
	return n, err
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
