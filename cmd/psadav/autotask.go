package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/storage"
)

const autotaskUsage = `Usage:
  psadav autotask probe                         read-only: test psadav's assumptions about the API on the
                                                tenant (next pages, empty filters, CompanyNotes, time-off
                                                times, the API user's resource); at most 20 requests
  psadav autotask check                         verify credentials, zone, permissions, time-off visibility
  psadav autotask status                        sync state per entity, API budget, outbox, webhooks
  psadav autotask webhooks install --url URL [--email ADDRESS]
                                                set up contact and company callouts to URL/hooks/autotask/…
  psadav autotask webhooks remove

Credentials come from PSADAV_AUTOTASK_USERNAME, PSADAV_AUTOTASK_SECRET and
PSADAV_AUTOTASK_INTEGRATION_CODE (PSADAV_AUTOTASK_ZONE_URL optional), a
--config file, or --autotask-credentials-file FILE. --autotask-record DIR
writes every request and answer, redacted, to DIR.
`

// statusWebhookSecret keeps the secret webhooks install generated, for
// serve to verify deliveries with when none is configured.
const statusWebhookSecret = "webhook-secret"

func cmdAutotask(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, autotaskUsage)
		return errors.New("autotask: probe, check, status or webhooks?")
	}
	sub, rest := args[0], args[1:]
	if sub == "webhooks" {
		if len(rest) == 0 || (rest[0] != "install" && rest[0] != "remove") {
			fmt.Fprint(stderr, autotaskUsage)
			return errors.New("autotask webhooks: install or remove?")
		}
		sub, rest = "webhooks "+rest[0], rest[1:]
	}
	fs := newFlags("autotask "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, autotaskUsage) }
	url := fs.String("url", "", "psadav's public address, e.g. https://dav.example.com (webhooks install)")
	email := fs.String("email", "", "address Autotask tells about failing deliveries (webhooks install)")
	cfg, _, err := loadConfig(fs, rest, append(dbKeys, autotaskKeys...)...)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if sub == "probe" { // needs no database: an admin may run it first
		conn, err := newAutotask(cfg, log)
		if err != nil {
			return err
		}
		return autotaskProbe(ctx, conn, stdout)
	}
	var conn *autotask.Connector
	if sub != "status" { // credentials first: they are what an admin sets up first
		if conn, err = newAutotask(cfg, log); err != nil {
			return err
		}
	}
	s, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "status":
		return printStatus(ctx, s, stdout)
	case "check":
		return autotaskCheck(ctx, s, conn, stdout)
	case "webhooks install":
		return installWebhooks(ctx, s, conn, cfg, *url, *email, stdout)
	case "webhooks remove":
		n, err := conn.RemoveWebhooks(ctx, "psadav")
		fmt.Fprintf(stdout, "removed %d callout(s)\n", n)
		return err
	}
	fmt.Fprint(stderr, autotaskUsage)
	return fmt.Errorf("autotask: unknown command %q", sub)
}

// newAutotask builds the connector from the configuration: credentials
// from flags, the environment, the --config file or the credentials file.
func newAutotask(cfg *config, log *slog.Logger) (*autotask.Connector, error) {
	a := &cfg.Autotask
	if err := a.readCredentialsFile(log); err != nil {
		return nil, err
	}
	var missing []string
	for _, m := range []struct{ v, env string }{{a.Username, "PSADAV_AUTOTASK_USERNAME"}, {string(a.Secret), "PSADAV_AUTOTASK_SECRET"},
		{a.IntegrationCode, "PSADAV_AUTOTASK_INTEGRATION_CODE"}} {
		if m.v == "" {
			missing = append(missing, m.env)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("Autotask credentials missing: set %s (or use --autotask-credentials-file)", strings.Join(missing, ", "))
	}
	return autotask.NewConnector(autotask.Config{Username: a.Username, Secret: string(a.Secret), IntegrationCode: a.IntegrationCode,
		ZoneURL: a.ZoneURL, DiscoveryURL: a.DiscoveryURL, Impersonate: a.Impersonate, Paging: a.Paging,
		NextPageMethod: a.NextPageMethod, RecordDir: a.RecordDir, TimeOffTimes: a.TimeOffTimes, Logger: log})
}

// readCredentialsFile fills the credentials not configured otherwise from
// a file of key = value lines (username, secret, integration-code,
// zone-url, webhook-secret). A file others can read is refused.
func (a *autotaskConfig) readCredentialsFile(log *slog.Logger) error {
	if a.CredentialsFile == "" {
		return nil
	}
	f, err := os.Open(a.CredentialsFile)
	if err != nil {
		return fmt.Errorf("autotask credentials: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("autotask credentials: %s can be read by others (mode %o); chmod 600 it", a.CredentialsFile, fi.Mode().Perm())
	}
	fields := map[string]*string{"username": &a.Username, "secret": (*string)(&a.Secret), "integration-code": &a.IntegrationCode,
		"zone-url": &a.ZoneURL, "webhook-secret": (*string)(&a.WebhookSecret)}
	values, err := readKeyValues(f, a.CredentialsFile, func(k string) bool { return fields[k] != nil },
		" (username, secret, integration-code, zone-url, webhook-secret)")
	if err != nil {
		return err
	}
	for k, v := range values {
		if dst := fields[k]; *dst == "" { // flags and the environment come first
			*dst = v
		}
	}
	log.Debug("autotask credentials read", "file", a.CredentialsFile)
	return nil
}

func autotaskCheck(ctx context.Context, s *storage.Store, conn *autotask.Connector, stdout io.Writer) error {
	org, err := s.OrgSettings(ctx)
	if err != nil {
		return err
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	w := backend.Window{From: day.AddDate(0, 0, -int(org.WindowPastDays)), To: day.AddDate(0, 0, int(org.WindowFutureDays)+1)}
	items := conn.Check(ctx, w)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	failed := 0
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", it.Level, it.What, it.Detail)
		if it.Level == autotask.CheckFail {
			failed++
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d API requests\n", conn.Stats().Requests)
	if failed > 0 {
		return fmt.Errorf("autotask check: %d problem(s)", failed)
	}
	return nil
}

// autotaskProbe prints what the tenant bears out of psadav's assumptions
// (docs/autotask.md) and what it cost.
func autotaskProbe(ctx context.Context, conn *autotask.Connector, stdout io.Writer) error {
	res := conn.Probe(ctx)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSUMPTION\tVERDICT\tWHAT\tFOUND")
	for _, it := range res.Items {
		id := it.ID
		if id == "" {
			id = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", id, it.Verdict, it.What, it.Detail)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d API requests, none of them a write (docs/autotask.md explains each assumption)\n", res.Requests)
	if n := res.Failed(); n > 0 {
		return fmt.Errorf("autotask probe: %d assumption(s) do not hold on this tenant", n)
	}
	return nil
}

func installWebhooks(ctx context.Context, s *storage.Store, conn *autotask.Connector, cfg *config, url, email string, stdout io.Writer) error {
	if url == "" {
		return errors.New("webhooks install: --url is psadav's public https address, which Autotask calls")
	}
	sec := string(cfg.Autotask.WebhookSecret)
	if sec == "" {
		var b [24]byte
		rand.Read(b[:])
		sec = hex.EncodeToString(b[:])
		if err := s.SetConnectorStatus(ctx, statusWebhookSecret, sec); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "generated a webhook secret and stored it in the database (serve uses it unless autotask-webhook-secret is set)")
	}
	hooks, err := conn.InstallWebhooks(ctx, autotask.WebhookSetup{BaseURL: url, Secret: sec, Email: email})
	for _, h := range hooks {
		excl := "the API user's resource was not found, so write-backs made as the API user will come back as events (harmless: one read each)"
		if h.ExcludedUser != 0 {
			excl = fmt.Sprintf("changes by the API user (resource %d) excluded", h.ExcludedUser)
		}
		fmt.Fprintf(stdout, "%s: callout %d → %s, %d fields, %s\n", h.Entity, h.ID, h.URL, h.Fields, excl)
	}
	return err
}

func printStatus(ctx context.Context, s *storage.Store, stdout io.Writer) error {
	st, err := syncer.ReadStatus(ctx, s)
	if err != nil {
		return err
	}
	if v, ok := st.Connector[syncer.StatusLeader]; ok {
		fmt.Fprintf(stdout, "connector: run by %s (since %s)\n", v.Value, v.UpdatedAt.Format(time.RFC3339))
	} else {
		fmt.Fprintln(stdout, "connector: has not run yet")
	}
	if v, ok := st.Connector[syncer.StatusBudget]; ok {
		var b syncer.BudgetStatus
		json.Unmarshal([]byte(v.Value), &b)
		fmt.Fprintf(stdout, "API budget: %d of %d requests in %d minutes (%.1f%%), polling slowdown ×%g, read %s\n",
			b.Used, b.Limit, b.Minutes, 100*b.Share, b.Slowdown, b.CheckedAt)
	}
	if v, ok := st.Connector[syncer.StatusHookDeactivated]; ok {
		fmt.Fprintf(stdout, "WEBHOOK DEACTIVATED by the PSA at %s: reinstall with psadav autotask webhooks install\n", v.Value)
	}
	fmt.Fprintf(stdout, "webhook events: %d received, %d processed, %d failing\n", st.HooksReceived, st.HooksProcessed, st.HooksFailing)
	fmt.Fprintf(stdout, "outbox: %d pending, %d failed, %d held, %d done\n", st.Outbox[storage.OutboxPending],
		st.Outbox[storage.OutboxFailed], st.Outbox[storage.OutboxHeld], st.Outbox[storage.OutboxDone])
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nENTITY\tPULLED\tDELETED\tWATERMARK\tLAST OK\tLAST SWEEP\tPROBLEM")
	for _, e := range st.Entities {
		problem := e.LastError
		if e.SweepRefused != "" {
			problem = "SWEEP REFUSED: " + e.SweepRefused
		}
		if e.FullStartedAt != nil {
			problem = strings.TrimSpace(fmt.Sprintf("first read under way (after id %d) %s", e.CursorID, problem))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", e.Entity, e.Pulled, e.Deleted, stamp(e.Watermark), stamp(e.LastOKAt),
			stamp(e.LastSweepAt), problem)
	}
	return tw.Flush()
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
