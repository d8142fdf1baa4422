package dav_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// syncBuffer is a log sink written by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestClientHangingUpIsNotAServerError: a client that closes its
// connection in the middle of a long answer (vdirsyncer aborting its other
// collections after an error) is logged as such, at info level; the server
// logged a 500 and "superfluous WriteHeader" for it.
func TestClientHangingUpIsNotAServerError(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", IsActive: true}, nil); err != nil {
				return err
			}
			for i := range 3000 {
				c := &mapping.Contact{ID: int64(1000 + i), CompanyID: 1, IsActive: 1, FirstName: "First", LastName: fmt.Sprint("Last", i),
					Title: "Office Manager", EmailAddress: fmt.Sprintf("p%d@example.com", i), Phone: "+1 555 0100", MobilePhone: "+1 555 0199",
					AddressLine: "1 Main Street", City: "Springfield", ZipCode: "62701"}
				if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, c, nil); err != nil {
					return err
				}
			}
			return nil
		}))
		st := storage.DefaultUserSettings()
		st.ContactsScope = storage.ScopeAll
		_, err := s.CreateAccount(ctx, "carl", "carl-pw", nil, st)
		must(t, err)
		var logs, httpLogs syncBuffer
		srv := httptest.NewUnstartedServer(dav.New(dav.Options{Store: s, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
		srv.Config.ErrorLog = log.New(&httpLogs, "", 0)
		srv.Start()
		defer srv.Close()

		for _, req := range []struct{ method, body string }{
			{"PROPFIND", `<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop></d:propfind>`},
			{"REPORT", `<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level>` +
				`<d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`},
			{"GET", ""},
		} {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			must(t, err)
			fmt.Fprintf(conn, "%s /dav/addressbooks/carl/contacts/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nDepth: 1\r\n"+
				"Content-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s", req.method, basic("carl", "carl-pw"), len(req.body), req.body)
			status, err := bufio.NewReader(conn).ReadString('\n')
			must(t, err)
			if !strings.Contains(status, " 207 ") && !strings.Contains(status, " 200 ") {
				t.Fatalf("%s: %s", req.method, status)
			}
			conn.(*net.TCPConn).SetLinger(0) // a reset, as a killed client leaves
			conn.Close()
		}
		// The server notices when it next writes; give it time to finish.
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(logs.String(), "msg=request ") < 3 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		out := logs.String()
		if strings.Count(out, "msg=request ") < 3 {
			t.Fatalf("the requests were not logged:\n%s", out)
		}
		if strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") || strings.Contains(httpLogs.String(), "superfluous") {
			t.Fatalf("a client hanging up was logged as a server error:\n%s\n%s", out, httpLogs.String())
		}
		if !strings.Contains(out, "client closed the connection") {
			t.Fatalf("the hang-up was not logged:\n%s", out)
		}
	})
}

// failingStore fails every multiget batch after the first: a database
// that goes away in the middle of a long answer.
type failingStore struct {
	*storage.Store
	calls atomic.Int32
}

func (f *failingStore) GetObjects(ctx context.Context, collectionID int64, hrefs []string) ([]storage.Object, error) {
	if f.calls.Add(1) > 1 {
		return nil, errors.New("the database went away")
	}
	return f.Store.GetObjects(ctx, collectionID, hrefs)
}

// TestFailureAfterTheStatusLineCutsTheAnswer: once a 207 is under way an
// error cannot be answered; the connection is cut, so a client does not
// take the members written so far for the whole collection (and delete
// the rest locally).
func TestFailureAfterTheStatusLineCutsTheAnswer(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", IsActive: true}, nil); err != nil {
				return err
			}
			for i := range 500 {
				c := &mapping.Contact{ID: int64(1000 + i), CompanyID: 1, IsActive: 1, FirstName: "First", LastName: fmt.Sprint("Last", i)}
				if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, c, nil); err != nil {
					return err
				}
			}
			return nil
		}))
		st := storage.DefaultUserSettings()
		st.ContactsScope = storage.ScopeAll
		_, err := s.CreateAccount(ctx, "carl", "carl-pw", nil, st)
		must(t, err)
		var logs syncBuffer
		srv := httptest.NewServer(dav.New(dav.Options{Store: &failingStore{Store: s}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
		defer srv.Close()
		req, _ := http.NewRequest("PROPFIND", srv.URL+"/dav/addressbooks/carl/contacts/", strings.NewReader(
			`<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop></d:propfind>`))
		req.SetBasicAuth("carl", "carl-pw")
		req.Header.Set("Depth", "1")
		req.Header.Set("Accept-Encoding", "identity") // uncompressed: the first batch fills the buffers and goes out
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMultiStatus || err == nil || strings.Contains(string(body), "</d:multistatus>") {
			t.Fatalf("a listing cut short by a failure: %d, read error %v, %d bytes", resp.StatusCode, err, len(body))
		}
		if out := logs.String(); !strings.Contains(out, `level=ERROR msg="response cut short"`) || !strings.Contains(out, "the database went away") {
			t.Fatalf("the failure was not logged as ours:\n%s", out)
		}
	})
}

func basic(login, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(login, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}
