package main

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psadav/psadav/storage/storagetest"
)

func TestTrustedProxiesSetting(t *testing.T) {
	load := func(args ...string) (*config, error) {
		cfg, _, err := loadConfig(flag.NewFlagSet("t", flag.ContinueOnError), args, "trusted-proxies")
		return cfg, err
	}
	cfg, err := load("--trusted-proxies", "10.0.0.0/8, 192.0.2.7,fd00::/8 ,::ffff:172.16.0.0/108")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 fd00::/8 172.16.0.0/12" {
		t.Fatalf("trusted proxies %v", got)
	}
	t.Setenv("PSADAV_TRUSTED_PROXIES", "127.0.0.1")
	if cfg, err := load(); err != nil || len(cfg.TrustedProxies) != 1 || cfg.TrustedProxies[0].String() != "127.0.0.1/32" {
		t.Fatalf("from the environment: %v %v", cfg, err)
	}
	os.Unsetenv("PSADAV_TRUSTED_PROXIES")
	file := filepath.Join(t.TempDir(), "psadav.conf")
	os.WriteFile(file, []byte("trusted-proxies = 10.1.0.0/16\n"), 0o600)
	if cfg, err := load("--config", file); err != nil || len(cfg.TrustedProxies) != 1 || cfg.TrustedProxies[0].String() != "10.1.0.0/16" {
		t.Fatalf("from the file: %v %v", cfg, err)
	}
	if cfg, err := load(); err != nil || len(cfg.TrustedProxies) != 0 {
		t.Fatalf("default: %v %v", cfg, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example.com", "10.0.0.1/8/8", "::ffff:1.2.3.4/64"} {
		if _, err := load("--trusted-proxies", bad); err == nil || !strings.Contains(err.Error(), "trusted-proxies") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// The server's own limits: slow headers, slow requests, huge headers.
func TestHTTPServerLimits(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 2*time.Minute || srv.IdleTimeout != 2*time.Minute ||
		srv.MaxHeaderBytes != 64<<10 {
		t.Fatalf("limits: header %s, read %s, idle %s, header bytes %d", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
}

// syncBuffer is a log sink the server writes to while the test reads it.
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

// Served as psadav serve wires it: behind a trusted proxy the request log
// names the forwarded client, every response says nosniff, and without a
// PSA connector there is no webhook endpoint to forge.
func TestServeBehindATrustedProxy(t *testing.T) {
	s := storagetest.OpenSQLite(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := &config{MaxResourceSize: 1 << 20, ShutdownTimeout: 5 * time.Second, TombstoneDays: 60}
	cfg.TrustedProxies, _ = parseProxies("127.0.0.1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, s, ln, cfg, log, new(bytes.Buffer)) }()
	defer func() {
		cancel()
		<-done
	}()
	base := "http://" + ln.Addr().String()
	req, _ := http.NewRequest("PROPFIND", base+"/dav/principals/nobody/", nil)
	req.SetBasicAuth("nobody", "wrong")
	req.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("wrong password: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(logs.String(), "remote=198.51.100.7") || strings.Contains(logs.String(), "remote=203.0.113.1") {
		t.Fatalf("log does not name the forwarded client:\n%s", logs.String())
	}
	resp, err = http.Post(base+"/hooks/autotask/deactivated", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("webhook path without a connector: %d", resp.StatusCode)
	}
}
