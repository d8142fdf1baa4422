package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// target is one server under benchmark, started by the tool on loopback
// with throwaway storage.
type target struct {
	name            string
	cmd             *exec.Cmd
	base            string // http://127.0.0.1:PORT
	user, password  string
	book1k, book10k string // collection paths
	calendar        string
	cleanup         []func()
	// psadav only: how to run its CLI against the same database
	dbArgs []string
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start launches the server process and waits until it answers.
func (t *target) start(ctx context.Context, name string, args []string, logPath string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	t.cmd = exec.Command(name, args...)
	t.cmd.Stdout, t.cmd.Stderr = logf, logf
	if err := t.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", t.name, err)
	}
	t.cleanup = append(t.cleanup, func() {
		t.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { t.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "OPTIONS", t.base+"/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		if t.cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer on %s (see %s)", t.name, t.base, logPath)
}

func (t *target) stop() {
	for i := len(t.cleanup) - 1; i >= 0; i-- {
		t.cleanup[i]()
	}
	t.cleanup = nil
}

// peakRSS reads the process's high-water resident set (VmHWM) in MB.
func (t *target) peakRSS() (float64, error) {
	if t.cmd == nil || t.cmd.Process == nil {
		return 0, errors.New("not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", t.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmHWM")
}

// startPsadav runs `psadav import` of the workload and adds the two users
// with the same binary, then serves: SQLite in dir, or a fresh PostgreSQL
// database when pgURL is set (dropped at stop).
func startPsadav(ctx context.Context, exe, dir, pgURL string, w workload, logf func(string, ...any)) (*target, error) {
	t := &target{name: "psadav (SQLite)", user: "bench", password: "bench-password"}
	t.dbArgs = []string{"--data", filepath.Join(dir, "data")}
	if pgURL != "" {
		t.name = "psadav (PostgreSQL)"
		dbURL, drop, err := freshPostgresDatabase(ctx, pgURL)
		if err != nil {
			return nil, err
		}
		t.cleanup = append(t.cleanup, drop)
		t.dbArgs = []string{"--database-url", dbURL}
	}
	bundle := filepath.Join(dir, "workload.json")
	f, err := os.Create(bundle)
	if err != nil {
		return nil, err
	}
	if err := w.psadavBundle(f, nil, true); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	cli := func(stdin string, args ...string) error {
		cmd := exec.CommandContext(ctx, exe, append(args, t.dbArgs...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("psadav %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := cli("", "migrate", "--log-level", "warn"); err != nil { // admin commands need a database
		t.stop()
		return nil, err
	}
	// The user manages the first companies (the small book, "contacts")
	// and has the all-contacts book (the large one).
	if err := cli(t.password+"\n", "user", "add", "bench", "--password-stdin", "--resource", fmt.Sprint(benchResourceBig),
		"--contacts", "mine", "--all-contacts", "on", "--tasks", "off"); err != nil {
		t.stop()
		return nil, err
	}
	start := time.Now()
	if err := cli("", "import", bundle, "--log-level", "warn"); err != nil {
		t.stop()
		return nil, err
	}
	logf("%s: imported %d contacts and %d appointments as PSA records in %v", t.name, w.contacts, w.events, time.Since(start).Round(time.Millisecond))
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	t.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	t.book10k = "/dav/addressbooks/bench/all-contacts/"
	t.book1k = "/dav/addressbooks/bench/contacts/"
	t.calendar = "/dav/calendars/bench/calendar/"
	args := append([]string{"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--log-level", "warn"}, t.dbArgs...)
	if err := t.start(ctx, exe, args, filepath.Join(dir, "psadav.log")); err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// freshPostgresDatabase creates a database for one run.
func freshPostgresDatabase(ctx context.Context, base string) (string, func(), error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("psadav_bench_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating the benchmark database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	}, nil
}

// startRadicale runs Radicale with throwaway storage and loads the
// workload: each collection in one PUT of all its items.
func startRadicale(ctx context.Context, dir string, w workload, logf func(string, ...any)) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	t := &target{name: "Radicale", base: fmt.Sprintf("http://127.0.0.1:%d", port), user: "bench", password: "x",
		book1k: "/bench/book1k/", book10k: "/bench/book10k/", calendar: "/bench/calendar/"}
	args := []string{"--storage-filesystem-folder", filepath.Join(dir, "radicale"), "--server-hosts", fmt.Sprintf("127.0.0.1:%d", port),
		"--auth-type", "none", "--logging-level", "warning"}
	if err := t.start(ctx, "radicale", args, filepath.Join(dir, "radicale.log")); err != nil {
		t.stop()
		return nil, err
	}
	c := newDAVClient(t.base, t.user, t.password, 4)
	start := time.Now()
	load := func(path, rtype, ctype string, body []byte) error {
		mk := `<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav" xmlns:cal="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype><d:collection/>` + rtype + `</d:resourcetype></d:prop></d:set></d:mkcol>`
		if resp, b, err := c.do(ctx, "MKCOL", path, []byte(mk), "Content-Type", "application/xml"); err != nil || resp.StatusCode >= 300 {
			return fmt.Errorf("MKCOL %s: %v %s", path, err, b)
		}
		resp, b, err := c.do(ctx, "PUT", path, body, "Content-Type", ctype)
		if err != nil || resp.StatusCode >= 300 {
			return fmt.Errorf("PUT %s: %v %.300s", path, err, b)
		}
		return nil
	}
	var small, big bytes.Buffer
	for i := range w.contacts {
		_, card := w.card(i, false)
		big.WriteString(card)
		if i < w.small {
			small.WriteString(card)
		}
	}
	var cal bytes.Buffer
	cal.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//psadav//bench//EN\r\n")
	for i := range w.events {
		_, ev := w.event(i)
		cal.WriteString(strings.TrimSuffix(strings.TrimPrefix(ev, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//psadav//bench//EN\r\n"), "END:VCALENDAR\r\n"))
	}
	cal.WriteString("END:VCALENDAR\r\n")
	if err := load(t.book1k, "<c:addressbook/>", "text/vcard", small.Bytes()); err == nil {
		if err = load(t.book10k, "<c:addressbook/>", "text/vcard", big.Bytes()); err == nil {
			err = load(t.calendar, "<cal:calendar/>", "text/calendar", cal.Bytes())
		}
		if err != nil {
			t.stop()
			return nil, err
		}
	} else {
		t.stop()
		return nil, err
	}
	logf("Radicale: loaded %d + %d contacts and %d events by PUT in %v", w.small, w.contacts, w.events, time.Since(start).Round(time.Millisecond))
	return t, nil
}

// startXandikos runs Xandikos with throwaway storage. Its collections
// are made by MKCOL and MKCALENDAR; the items go into them the way
// Xandikos itself stores them, as files committed to each collection's git
// repository, while it is stopped: loaded by PUT, Xandikos rewrites its
// index with every item (its PUT slows as a collection grows: 5,600
// contacts took 23 minutes here), and 31,000 items would take hours.
func startXandikos(ctx context.Context, dir string, w workload, logf func(string, ...any)) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	t := &target{name: "Xandikos", base: fmt.Sprintf("http://127.0.0.1:%d", port),
		book1k: "/user/contacts/book1k/", book10k: "/user/contacts/book10k/", calendar: "/user/calendars/bench/"}
	args := []string{"-d", filepath.Join(dir, "xandikos"), "--defaults", "-l", "127.0.0.1", "-p", strconv.Itoa(port)}
	if err := t.start(ctx, "xandikos", args, filepath.Join(dir, "xandikos.log")); err != nil {
		t.stop()
		return nil, err
	}
	c := newDAVClient(t.base, "", "", 8)
	mk := func(method, path, body string) error {
		resp, b, err := c.do(ctx, method, path, []byte(body), "Content-Type", "application/xml")
		if err != nil || resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %v %s", method, path, err, b)
		}
		return nil
	}
	book := `<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>`
	for _, step := range [][3]string{{"MKCOL", t.book1k, book}, {"MKCOL", t.book10k, book}, {"MKCALENDAR", t.calendar, `<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>bench</d:displayname></d:prop></d:set></c:mkcalendar>`}} {
		if err := mk(step[0], step[1], step[2]); err != nil {
			t.stop()
			return nil, err
		}
	}
	// Stop, write the items into the collections' work trees, commit, start again.
	t.cmd.Process.Signal(os.Interrupt)
	t.cmd.Wait()
	start := time.Now()
	root := filepath.Join(dir, "xandikos")
	write := func(coll, name, data string) error {
		return os.WriteFile(filepath.Join(root, filepath.FromSlash(strings.Trim(coll, "/")), name), []byte(data), 0o644)
	}
	for i := range w.contacts {
		name, card := w.card(i, false)
		if i < w.small {
			if err := write(t.book1k, name, card); err != nil {
				return nil, err
			}
		}
		if err := write(t.book10k, name, card); err != nil {
			return nil, err
		}
	}
	for i := range w.events {
		name, ev := w.event(i)
		if err := write(t.calendar, name, ev); err != nil {
			return nil, err
		}
	}
	for _, coll := range []string{t.book1k, t.book10k, t.calendar} {
		repo := filepath.Join(root, filepath.FromSlash(strings.Trim(coll, "/")))
		for _, args := range [][]string{{"add", "-A"}, {"-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "bench workload"}} {
			if out, err := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("loading Xandikos: git %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	}
	if err := t.start(ctx, "xandikos", args, filepath.Join(dir, "xandikos-loaded.log")); err != nil {
		t.stop()
		return nil, err
	}
	logf("Xandikos: loaded %d + %d contacts and %d events (git commits) in %v", w.small, w.contacts, w.events, time.Since(start).Round(time.Millisecond))
	return t, nil
}
