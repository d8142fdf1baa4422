package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage/storagetest"
)

func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "psadav.conf")
	os.WriteFile(file, []byte("# comment\nlisten = 127.0.0.1:1111\nlog-level = warn\ntombstone-days = 7\n"), 0o600)
	t.Setenv("PSADAV_CONFIG", file)
	t.Setenv("PSADAV_LOG_LEVEL", "debug")
	t.Setenv("PSADAV_LISTEN", "")
	os.Unsetenv("PSADAV_LISTEN")

	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg, rest, err := loadConfig(fs, []string{"extra", "--tombstone-days", "3", "more"}, "listen", "log-level", "tombstone-days", "data")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TombstoneDays != 3 || cfg.LogLevel != "debug" || cfg.Listen != "127.0.0.1:1111" || cfg.Data != "data" {
		t.Fatalf("flag > env > file > default violated: %+v", cfg)
	}
	if strings.Join(rest, " ") != "extra more" {
		t.Fatalf("positional args = %v", rest)
	}

	os.WriteFile(file, []byte("nonsense-key = 1\n"), 0o600)
	if _, _, err := loadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, "listen"); err == nil || !strings.Contains(err.Error(), "nonsense-key") {
		t.Fatalf("unknown file key: %v", err)
	}
	t.Setenv("PSADAV_CONFIG", "")
	t.Setenv("PSADAV_TOMBSTONE_DAYS", "zero")
	if _, _, err := loadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, "tombstone-days"); err == nil || !strings.Contains(err.Error(), "tombstone-days") {
		t.Fatalf("bad env value must name the key: %v", err)
	}
}

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUserAndSettingsCommands(t *testing.T) {
	for _, db := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", storagetest.PostgresURL(t)} }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dbArgs := db.args(t)
			if out, err := runCmd(t, "", append([]string{"migrate"}, dbArgs...)...); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			cmd := func(stdin string, args ...string) string {
				t.Helper()
				out, err := runCmd(t, stdin, append(args, dbArgs...)...)
				if err != nil {
					t.Fatalf("psadav %v: %v\n%s", args, err, out)
				}
				return out
			}
			out := cmd("", "user", "add", "jsmith", "--contacts", "all")
			if !strings.Contains(out, "password (shown once): ") {
				t.Fatalf("generated password not shown: %s", out)
			}
			cmd("s3cret-pw\n", "user", "add", "kdoe", "--password-stdin", "--tasks", "off")
			out = cmd("", "user", "list")
			if !strings.Contains(out, "jsmith") || !strings.Contains(out, "kdoe") {
				t.Fatalf("list: %s", out)
			}
			cmd("", "user", "set", "kdoe", "--tasks", "on", "--calendar", "off", "--time-zone", "Europe/Paris")
			out = cmd("", "user", "show", "kdoe")
			for _, want := range []string{"tasks:        on", "calendar:     off", "Europe/Paris", "/dav/calendars/kdoe/tasks/"} {
				if !strings.Contains(out, want) {
					t.Errorf("show lacks %q:\n%s", want, out)
				}
			}
			if out, err := runCmd(t, "", append([]string{"user", "set", "kdoe", "--contacts", "some"}, dbArgs...)...); err == nil {
				t.Fatalf("bad scope accepted: %s", out)
			}
			if out, err := runCmd(t, "", append([]string{"user", "show", "nobody"}, dbArgs...)...); err == nil || !strings.Contains(err.Error(), "no user") {
				t.Fatalf("unknown user: %v %s", err, out)
			}
			cmd("", "user", "disable", "kdoe")
			out = cmd("", "user", "list")
			if !strings.Contains(out, "kdoe") || !strings.Contains(strings.Split(out, "kdoe")[1], "no") {
				t.Fatalf("disabled user not shown as disabled: %s", out)
			}
			cmd("", "settings", "set", "write-back-mode", "strict")
			out = cmd("", "settings", "show")
			if !strings.Contains(out, "strict (changed)") {
				t.Fatalf("settings show: %s", out)
			}
			if _, err := runCmd(t, "", append([]string{"settings", "set", "write-back-mode", "sloppy"}, dbArgs...)...); err == nil {
				t.Fatal("invalid setting accepted")
			}
		})
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCmd(t, "", "migrate", "--data", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "pw-12345\n", "user", "add", "u1", "--password-stdin", "--data", dir); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--listen", addr, "--log-level", "warn"}, nil, io.Discard, io.Discard)
	}()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestAutotaskCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "autotask.conf")
	os.WriteFile(file, []byte("# Autotask API user\nusername = api@example.com\nsecret = from-file\nintegration-code = CODE\n"), 0o600)
	t.Setenv("PSADAV_AUTOTASK_SECRET", "from-env")
	cfg, _, err := loadConfig(flag.NewFlagSet("t", flag.ContinueOnError), []string{"--autotask-credentials-file", file}, autotaskKeys...)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Autotask.readCredentialsFile(newLogger(cfg, io.Discard)); err != nil {
		t.Fatal(err)
	}
	a := cfg.Autotask
	if a.Username != "api@example.com" || string(a.Secret) != "from-env" || a.IntegrationCode != "CODE" {
		t.Fatalf("environment before file: %+v", a)
	}
	// Secrets never print.
	var logged bytes.Buffer
	newLogger(cfg, &logged).Info("config", "autotask", a, "secret", a.Secret)
	if out := fmt.Sprintf("%v %+v %s", a, a, logged.String()); strings.Contains(out, "from-env") {
		t.Fatalf("secret printed: %s", out)
	}
	os.Chmod(file, 0o644)
	if err := cfg.Autotask.readCredentialsFile(newLogger(cfg, io.Discard)); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable credentials: %v", err)
	}
	t.Setenv("PSADAV_AUTOTASK_SECRET", "")
	os.Unsetenv("PSADAV_AUTOTASK_SECRET")
	if _, err := runCmd(t, "", "autotask", "check", "--data", dir); err == nil || !strings.Contains(err.Error(), "PSADAV_AUTOTASK_SECRET") {
		t.Fatalf("missing credentials: %v", err)
	}
}
