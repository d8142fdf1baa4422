package dav_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/storage"
)

// BenchmarkLoginFlood measures what a password-guessing flood costs a
// legitimate client: each iteration sends 200 wrong-password requests at
// once, while the owner of another account, already logged in, keeps
// syncing (PROPFIND Depth 0) from its own address until the flood is
// answered. Passwords are hashed at the production cost. Reported: the
// owner's latency percentiles during the floods, the owner's failed
// requests, and how many of the 200 guesses reached a password check.
// "one-address" floods from one client address, "200-addresses" from a
// different address per request. Run:
//
//	go test -run XXX -bench LoginFlood -benchtime 5x ./dav/
func BenchmarkLoginFlood(b *testing.B) {
	for _, spread := range []bool{false, true} {
		name := "one-address"
		if spread {
			name = "200-addresses"
		}
		b.Run(name, func(b *testing.B) { benchmarkLoginFlood(b, spread) })
	}
}

// authCounter counts the server's Authenticate calls for other logins
// than the owner's: the guesses that reached a password check.
type authCounter struct {
	dav.Store
	n atomic.Int64
}

func (c *authCounter) Authenticate(ctx context.Context, login, password string) (storage.Account, error) {
	if login != "owner" {
		c.n.Add(1)
	}
	return c.Store.Authenticate(ctx, login, password)
}

func benchmarkLoginFlood(b *testing.B, spread bool) {
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: b.TempDir(), PasswordCost: storage.DefaultPasswordCost,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, "owner", "owner-password", nil, storage.DefaultUserSettings()); err != nil {
		b.Fatal(err)
	}
	counter := &authCounter{Store: s}
	h := dav.New(dav.Options{Store: counter, Logger: slog.New(slog.DiscardHandler)})
	// The peer address comes from a test header: the flood and the owner
	// are different clients, as on the internet.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = net.JoinHostPort(r.Header.Get("X-Bench-Peer"), "40000")
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 300}}
	send := func(login, password, peer string) (int, error) {
		req, _ := http.NewRequest("PROPFIND", srv.URL+"/dav/principals/"+login+"/", nil)
		req.SetBasicAuth(login, password)
		req.Header.Set("Depth", "0")
		req.Header.Set("X-Bench-Peer", peer)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := send("owner", "owner-password", "198.51.100.1"); err != nil || code != http.StatusMultiStatus {
		b.Fatalf("owner's first login: %d %v", code, err)
	}
	var latencies []time.Duration
	var answers statusCounts
	hashes := func() int64 { return 0 }
	if pc, ok := any(s).(interface{ PasswordChecks() int64 }); ok {
		hashes = pc.PasswordChecks
	}
	hashed := -hashes()
	ownerErrors, checked := 0, int64(0)
	b.ResetTimer()
	for i := range b.N {
		before := counter.n.Load()
		var wg sync.WaitGroup
		start := make(chan struct{})
		for j := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				peer := fmt.Sprintf("203.0.%d.1", i%250)
				if spread {
					peer = fmt.Sprintf("10.%d.%d.1", i%250, j)
				}
				<-start
				// Each wave guesses at a login of its own (unknown logins
				// cost a hash as well), so no wave inherits another's state.
				code, _ := send(fmt.Sprintf("victim%d", i), fmt.Sprint("guess-", j), peer)
				answers.Add(code)
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		close(start)
		for flooding := true; flooding; {
			select {
			case <-done:
				flooding = false
			default:
			}
			t0 := time.Now()
			code, err := send("owner", "owner-password", "198.51.100.1")
			latencies = append(latencies, time.Since(t0))
			if err != nil || code != http.StatusMultiStatus {
				ownerErrors++
			}
		}
		checked += counter.n.Load() - before
	}
	b.StopTimer()
	hashed += hashes()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "owner-p50-ms")
	b.ReportMetric(pct(0.99), "owner-p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "owner-max-ms")
	b.ReportMetric(float64(ownerErrors), "owner-errors")
	b.ReportMetric(float64(len(latencies))/float64(b.N), "owner-requests/op")
	b.ReportMetric(float64(checked)/float64(b.N), "checked/op")
	if hashed > 0 {
		b.ReportMetric(float64(hashed)/float64(b.N), "bcrypt/op")
	}
	for code, n := range answers.snapshot() {
		b.ReportMetric(float64(n)/float64(b.N), fmt.Sprintf("guess-%d/op", code))
	}
}

// statusCounts counts the flood's answers by status.
type statusCounts struct {
	mu sync.Mutex
	m  map[int]int
}

func (c *statusCounts) Add(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int]int{}
	}
	c.m[code]++
}

func (c *statusCounts) snapshot() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}
