package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is every setting of the binary, read in one place: flags first,
// then PSADAV_* environment variables, then an optional file of
// "key = value" lines, then the defaults. Errors name the key.
type config struct {
	ConfigFile      string
	Data            string
	DatabaseURL     string
	Listen          string
	LogLevel        string
	LogFormat       string
	MaxResourceSize int64
	ShutdownTimeout time.Duration
	TombstoneDays   int
	Demo            bool
}

// option describes one setting: its flag and file key, the environment
// variable derived from it, a default and help.
type option struct {
	key  string
	def  string
	help string
	set  func(c *config, v string) error
}

// isBool reports whether the option is a switch (--demo rather than --demo=true).
func (o option) isBool() bool { return o.def == "false" || o.def == "true" }

var options = []option{
	{"config", "", "configuration file of key = value lines", func(c *config, v string) error { c.ConfigFile = v; return nil }},
	{"data", "data", "data directory (the SQLite database lives inside)", func(c *config, v string) error { c.Data = v; return nil }},
	{"database-url", "", "PostgreSQL URL (postgres://…); selects PostgreSQL instead of SQLite", func(c *config, v string) error {
		if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
			return errors.New("must start with postgres://")
		}
		c.DatabaseURL = v
		return nil
	}},
	{"listen", "127.0.0.1:8080", "address to listen on", func(c *config, v string) error { c.Listen = v; return nil }},
	{"log-level", "info", "debug, info, warn or error", func(c *config, v string) error {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			return errors.New("must be debug, info, warn or error")
		}
		c.LogLevel = v
		return nil
	}},
	{"log-format", "text", "text or json", func(c *config, v string) error {
		if v != "text" && v != "json" {
			return errors.New("must be text or json")
		}
		c.LogFormat = v
		return nil
	}},
	{"max-resource-size", "10485760", "largest object a client may PUT, in bytes", func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 4096 {
			return errors.New("must be a number of bytes, at least 4096")
		}
		c.MaxResourceSize = n
		return nil
	}},
	{"shutdown-timeout", "15s", "how long a graceful shutdown waits for requests", func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a duration such as 15s")
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"tombstone-days", "60", "days deletions are kept for incremental sync before a client must resync", func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("must be a whole number of days, at least 1")
		}
		c.TombstoneDays = n
		return nil
	}},
	{"demo", "false", "seed a demo organisation into an empty database (trying it out only)", func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.Demo = b
		return nil
	}},
}

func envName(key string) string {
	return "PSADAV_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// loadConfig parses args with the given options (a subset per command)
// and fills the rest from the environment, the file and the defaults.
// Flags may come before, between or after the positional arguments, which
// it returns.
func loadConfig(fs *flag.FlagSet, args []string, keys ...string) (*config, []string, error) {
	selected := map[string]bool{"config": true}
	for _, k := range keys {
		selected[k] = true
	}
	for _, o := range options {
		if !selected[o.key] {
			continue
		}
		if o.isBool() {
			fs.Bool(o.key, o.def == "true", o.help+" ("+envName(o.key)+")")
			continue
		}
		fs.String(o.key, o.def, o.help+" ("+envName(o.key)+")")
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })

	file := map[string]string{}
	path := given["config"]
	if path == "" {
		path = os.Getenv(envName("config"))
	}
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return nil, nil, err
		}
	}
	c := &config{}
	for _, o := range options {
		v, ok := given[o.key]
		if !ok || !selected[o.key] {
			if e, set := os.LookupEnv(envName(o.key)); set {
				v, ok = e, true
			} else if f, set := file[o.key]; set {
				v, ok = f, true
			}
		}
		if !ok {
			v = o.def
		}
		if err := o.set(c, v); err != nil {
			return nil, nil, fmt.Errorf("setting %s=%q: %w", o.key, v, err)
		}
	}
	return c, positional, nil
}

func readConfigFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	defer f.Close()
	known := map[string]bool{}
	for _, o := range options {
		known[o.key] = true
	}
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		if !ok || k == "" {
			return nil, fmt.Errorf("%s:%d: expected key = value", path, n)
		}
		if !known[k] {
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, n, k)
		}
		out[k] = v
	}
	return out, sc.Err()
}
