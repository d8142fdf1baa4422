package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
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
	DebugListen     string
	TrustedProxies  []netip.Prefix
	LogLevel        string
	LogFormat       string
	MaxResourceSize int64
	ShutdownTimeout time.Duration
	TombstoneDays   int
	Demo            bool

	MetricsListen string

	// The PSA connector (only "autotask" so far; "" runs none).
	PSA      string
	Autotask autotaskConfig

	// progress draws the connector's first pull as a bar (serve on a
	// terminal); nil: log lines.
	progress func(entity string, done, total int)

	// from says where each key's value came from: its flag, its
	// environment variable, the configuration file's path or "the default".
	from map[string]string
}

// autotaskConfig is the Autotask connector's part of the configuration.
// Secrets print as [redacted]: a config value is never logged as it is.
type autotaskConfig struct {
	Username, IntegrationCode string
	Secret, WebhookSecret     secret
	ZoneURL, DiscoveryURL     string
	CredentialsFile           string
	Impersonate               bool
	Paging, NextPageMethod    string
	RecordDir                 string // every Autotask exchange, redacted, for replay tests
	TimeOffTimes              string // utc or local:ZONE
	PollCalendar              time.Duration
	PollContacts              time.Duration
	PollSecondary             time.Duration
	PollReference             time.Duration
	SweepEvery                time.Duration
	SweepWindowedEvery        time.Duration
	BudgetEvery               time.Duration
	SweepMaxShare             float64
}

// secret is a configuration value that must not appear in logs or output.
type secret string

func (s secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

func (s secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

func durationOption(key, def, help string, field func(c *config) *time.Duration) option {
	return option{key, def, help, func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return errors.New("must be a duration of at least 1s, such as 2m or 1h")
		}
		*field(c) = d
		return nil
	}}
}

func stringOption(key, def, help string, field func(c *config) *string) option {
	return option{key, def, help, func(c *config, v string) error { *field(c) = v; return nil }}
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
	{"trusted-proxies", "", "reverse proxies (CIDR or address, comma-separated) whose X-Forwarded-For or Forwarded names the client", func(c *config, v string) error {
		p, err := parseProxies(v)
		c.TrustedProxies = p
		return err
	}},
	stringOption("debug-listen", "", "address for Go's pprof profiles (keep it on loopback; empty: none)", func(c *config) *string { return &c.DebugListen }),
	stringOption("metrics-listen", "", "address for Prometheus metrics (/metrics), apart from the DAV port (empty: none)",
		func(c *config) *string { return &c.MetricsListen }),
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
	{"psa", "", "PSA connector to run: autotask (empty: none; the mirror is filled by import or the demo)", func(c *config, v string) error {
		if v != "" && v != "autotask" {
			return errors.New("must be autotask or empty")
		}
		c.PSA = v
		return nil
	}},
	stringOption("autotask-username", "", "Autotask API user name", func(c *config) *string { return &c.Autotask.Username }),
	{"autotask-secret", "", "Autotask API user secret (prefer the environment or a credentials file to a flag)", func(c *config, v string) error {
		c.Autotask.Secret = secret(v)
		return nil
	}},
	stringOption("autotask-integration-code", "", "Autotask API tracking identifier (integration code)", func(c *config) *string { return &c.Autotask.IntegrationCode }),
	stringOption("autotask-zone-url", "", "Autotask zone REST root (…/atservicesrest/); empty: discovered", func(c *config) *string { return &c.Autotask.ZoneURL }),
	stringOption("autotask-discovery-url", "https://webservices2.autotask.net/atservicesrest/", "where Autotask zone discovery starts",
		func(c *config) *string { return &c.Autotask.DiscoveryURL }),
	stringOption("autotask-credentials-file", "", "file of key = value lines: username, secret, integration-code (and zone-url)",
		func(c *config) *string { return &c.Autotask.CredentialsFile }),
	{"autotask-webhook-secret", "", "secret key Autotask signs webhooks with (empty: the one webhooks install stored)", func(c *config, v string) error {
		c.Autotask.WebhookSecret = secret(v)
		return nil
	}},
	{"autotask-impersonate", "true", "write back as the technician who made the change (falls back to the API user when refused)", func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		c.Autotask.Impersonate = b
		return nil
	}},
	{"autotask-paging", "keyset", "keyset (id > last id) or next (follow nextPageUrl)", func(c *config, v string) error {
		if v != "keyset" && v != "next" {
			return errors.New("must be keyset or next")
		}
		c.Autotask.Paging = v
		return nil
	}},
	{"autotask-next-page-method", "POST", "verb nextPageUrl is followed with: POST with the query (what Autotask answers), or GET (falls back to POST on 405)", func(c *config, v string) error {
		if v != "GET" && v != "POST" {
			return errors.New("must be GET or POST")
		}
		c.Autotask.NextPageMethod = v
		return nil
	}},
	stringOption("autotask-record", "", "directory to write every Autotask request and answer to, secrets and personal data redacted (for replay tests)",
		func(c *config) *string { return &c.Autotask.RecordDir }),
	{"autotask-timeoff-times", "utc", "how time-off startTime/endTime are read: utc, or local:ZONE for wall-clock times (see autotask probe)", func(c *config, v string) error {
		if err := checkTimeOffTimes(v); err != nil {
			return err
		}
		c.Autotask.TimeOffTimes = v
		return nil
	}},
	durationOption("autotask-poll-calendar", "2m", "poll interval of appointments, to-dos, service calls, time off",
		func(c *config) *time.Duration { return &c.Autotask.PollCalendar }),
	durationOption("autotask-poll-contacts", "10m", "poll interval of contacts and companies (webhooks come sooner)",
		func(c *config) *time.Duration { return &c.Autotask.PollContacts }),
	durationOption("autotask-poll-secondary", "15m", "poll interval of opportunities and contact notes",
		func(c *config) *time.Duration { return &c.Autotask.PollSecondary }),
	durationOption("autotask-poll-reference", "1h", "re-read interval of resources, action types, countries, locations, service-call links",
		func(c *config) *time.Duration { return &c.Autotask.PollReference }),
	durationOption("autotask-sweep-every", "6h", "deletion sweep interval of contacts, companies, opportunities, notes",
		func(c *config) *time.Duration { return &c.Autotask.SweepEvery }),
	durationOption("autotask-sweep-windowed-every", "1h", "deletion sweep interval of calendar entities (inside the sync window)",
		func(c *config) *time.Duration { return &c.Autotask.SweepWindowedEvery }),
	durationOption("autotask-budget-every", "5m", "how often the API budget in use (ThresholdInformation) is read",
		func(c *config) *time.Duration { return &c.Autotask.BudgetEvery }),
	{"autotask-sweep-max-share", "0.2", "largest share of an entity one sweep may delete (0 to 1)", func(c *config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return errors.New("must be a number above 0 and at most 1")
		}
		c.Autotask.SweepMaxShare = f
		return nil
	}},
}

// autotaskKeys are the options of every command that talks to Autotask.
var autotaskKeys = []string{"autotask-username", "autotask-secret", "autotask-integration-code", "autotask-zone-url",
	"autotask-discovery-url", "autotask-credentials-file", "autotask-webhook-secret", "autotask-impersonate",
	"autotask-paging", "autotask-next-page-method", "autotask-record", "autotask-timeoff-times"}

// autotaskPollKeys are the engine's tuning options (serve only).
var autotaskPollKeys = []string{"psa", "autotask-poll-calendar", "autotask-poll-contacts", "autotask-poll-secondary",
	"autotask-poll-reference", "autotask-sweep-every", "autotask-sweep-windowed-every", "autotask-budget-every",
	"autotask-sweep-max-share"}

// parseProxies reads "10.0.0.0/8, 192.0.2.7, fd00::/8": prefixes or single
// addresses.
func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix such as 10.0.0.0/8", f)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Bits() < 0 {
			return nil, fmt.Errorf("%q is not a usable prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// checkTimeOffTimes validates the time-off setting: utc or local:ZONE.
func checkTimeOffTimes(v string) error {
	if strings.EqualFold(v, "utc") {
		return nil
	}
	zone, ok := strings.CutPrefix(v, "local:")
	if !ok || zone == "" {
		return errors.New("must be utc or local:ZONE, such as local:Europe/Berlin")
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return fmt.Errorf("%q is not a time zone (want e.g. local:America/New_York)", zone)
	}
	return nil
}

func envName(key string) string {
	return "PSADAV_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// defaultConfigFile is read when neither --config nor PSADAV_CONFIG names
// a file and it exists: the server (deploy/psadav.service) and every admin
// command on the machine then share one configuration without flags.
var defaultConfigFile = "/etc/psadav/psadav.conf"

// loadConfig parses args with the given options (a subset per command)
// and fills the rest from the environment, the file and the defaults.
// Flags may come before, between or after the positional arguments, which
// it returns. The configuration file is --config, else PSADAV_CONFIG, else
// defaultConfigFile when it exists.
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
	positional, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, err
	}
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })

	file := map[string]string{}
	path, ok := given["config"]
	if !ok {
		path = os.Getenv(envName("config"))
	}
	if path == "" && defaultConfigFile != "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			path = defaultConfigFile
		}
	}
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return nil, nil, err
		}
	}
	c := &config{ConfigFile: path, from: map[string]string{}}
	for _, o := range options {
		v, ok := given[o.key]
		from := "--" + o.key
		if !ok || !selected[o.key] {
			if e, set := os.LookupEnv(envName(o.key)); set {
				v, ok, from = e, true, envName(o.key)
			} else if f, set := file[o.key]; set {
				v, ok, from = f, true, path
			}
		}
		if !ok {
			v, from = o.def, "the default"
		}
		if err := o.set(c, v); err != nil {
			return nil, nil, fmt.Errorf("setting %s=%q (from %s): %w", o.key, v, from, err)
		}
		c.from[o.key] = from
	}
	c.ConfigFile = path
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
	return readKeyValues(f, path, func(k string) bool { return known[k] }, "")
}

// readKeyValues reads "key = value" lines (# starts a comment); an
// unknown key is an error naming the line.
func readKeyValues(r io.Reader, path string, known func(string) bool, knownHelp string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
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
		if !known(k) {
			return nil, fmt.Errorf("%s:%d: unknown key %q%s", path, n, k, knownHelp)
		}
		out[k] = v
	}
	return out, sc.Err()
}
