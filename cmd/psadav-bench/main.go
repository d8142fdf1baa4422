// Command psadav-bench compares psadav with Radicale and Xandikos: it
// starts each server on loopback with throwaway storage, loads one
// generated workload into it, measures what syncing clients do and prints
// one markdown table. It drives a psadav binary built from the same
// checkout (its CLI for the import and the users, its serve command), and
// opens that psadav's database itself for the mirror-write measurement.
// It is a development tool, kept out of the server's binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

const benchUsage = `Usage: psadav-bench [flags]

Loads the same generated workload into psadav (as PSA records, through the
import path; on SQLite and on PostgreSQL) and into Radicale and Xandikos
(Debian packages; by PUT), each started on loopback with throwaway storage,
measures what clients do and prints one markdown table with the numbers and
the ratios psadav/peer. Every loop is bounded; nothing leaves loopback.
The psadav it runs is --psadav, else the one beside this program, else the
one on PATH; build both from the same checkout.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		switch {
		case errors.Is(err, flag.ErrHelp): // the usage is printed
		case errors.Is(err, errFlags): // the flag package said what is wrong
			os.Exit(2)
		default:
			fmt.Fprintln(os.Stderr, "psadav-bench:", err)
			os.Exit(1)
		}
	}
}

// errFlags marks a command line the flag package refused and reported.
var errFlags = errors.New("bad flags")

type benchConfig struct {
	w        workload
	duration time.Duration
	clients  int
	peers    []string
	dbs      []string
	pgURL    string
	dir      string
	repeats  int
}

// run parses the flags, measures each server in turn and prints the table;
// main and the test call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("psadav-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var bc benchConfig
	fs.IntVar(&bc.w.contacts, "contacts", 10000, "contacts in the large address book")
	fs.IntVar(&bc.w.small, "small", 1000, "contacts in the small address book")
	fs.IntVar(&bc.w.events, "events", 20000, "events in the calendar")
	fs.DurationVar(&bc.duration, "duration", 10*time.Second, "how long each load test runs")
	fs.IntVar(&bc.clients, "clients", 16, "concurrent clients in the load tests")
	fs.IntVar(&bc.repeats, "repeats", 30, "repetitions of the short measurements (the median is reported)")
	peers := fs.String("peers", "radicale,xandikos", "peer servers to compare with (radicale, xandikos; empty for none)")
	dbs := fs.String("databases", "sqlite,postgres", "psadav databases to measure")
	fs.StringVar(&bc.pgURL, "pg-url", "postgres://root@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server URL (a database is created per run)")
	fs.StringVar(&bc.dir, "dir", "", "working directory (default: a temporary one, removed afterwards)")
	psadav := fs.String("psadav", "", "the psadav binary to measure (default: psadav beside this program, else on PATH)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the benchmark's own client side to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errFlags, err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if bc.w.small > bc.w.contacts || bc.w.contacts < 100 || bc.w.events < 100 {
		return errors.New("bench: need --contacts ≥ 100, --small ≤ --contacts and --events ≥ 100")
	}
	bc.w.day = time.Now().UTC().Truncate(24 * time.Hour)
	bc.peers = splitList(*peers)
	bc.dbs = splitList(*dbs)
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", args...) }
	var exe string
	if len(bc.dbs) > 0 {
		var err error
		if exe, err = findPsadav(ctx, *psadav, logf); err != nil {
			return err
		}
	}
	if bc.dir == "" {
		d, err := os.MkdirTemp("", "psadav-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		bc.dir = d
	}

	var all []*benchResult
	measureOne := func(name string, start func(dir string) (*target, error)) error {
		dir := filepath.Join(bc.dir, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(strings.ToLower(name)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		logf("%s: starting and loading", name)
		t, err := start(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer t.stop()
		r, err := measure(ctx, t, &bc, exe, logf)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, r)
		return nil
	}
	for _, db := range bc.dbs {
		pg := ""
		switch db {
		case "sqlite":
		case "postgres":
			pg = bc.pgURL
		default:
			return fmt.Errorf("bench: unknown database %q", db)
		}
		if err := measureOne("psadav "+db, func(dir string) (*target, error) { return startPsadav(ctx, exe, dir, pg, bc.w, logf) }); err != nil {
			return err
		}
	}
	for _, p := range bc.peers {
		var err error
		switch p {
		case "radicale":
			err = measureOne("Radicale", func(dir string) (*target, error) { return startRadicale(ctx, dir, bc.w, logf) })
		case "xandikos":
			err = measureOne("Xandikos", func(dir string) (*target, error) { return startXandikos(ctx, dir, bc.w, logf) })
		default:
			err = fmt.Errorf("bench: unknown peer %q", p)
		}
		if err != nil {
			return err
		}
	}
	printBenchTable(stdout, &bc, all)
	return nil
}

// findPsadav returns the psadav binary to measure: the one named, else the
// one beside this program (the README builds both into one folder), else
// the one on PATH. Which one it is, and its version, go to the log: a
// binary from another checkout measures other code.
func findPsadav(ctx context.Context, named string, logf func(string, ...any)) (string, error) {
	exe := named
	if exe == "" {
		self, err := os.Executable()
		if err != nil {
			return "", err
		}
		exe = filepath.Join(filepath.Dir(self), "psadav")
		if _, err := os.Stat(exe); err != nil {
			exe = "psadav"
		}
	}
	path, err := exec.LookPath(exe)
	if err != nil {
		return "", fmt.Errorf("bench: no psadav to measure (build it with go build -o psadav ./cmd/psadav, or name it with --psadav): %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", err
	}
	version, err := execOutput(ctx, path, "version")
	if err != nil {
		return "", fmt.Errorf("bench: %s version: %v\n%s", path, err, version)
	}
	logf("measuring %s: %s", path, strings.TrimSpace(version))
	return path, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
