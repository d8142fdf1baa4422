package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

func execOutput(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// openTargetStore opens the database a psadav target serves from.
func openTargetStore(ctx context.Context, t *target) (*storage.Store, error) {
	opts := storage.Options{}
	for i := 0; i+1 < len(t.dbArgs); i += 2 {
		switch t.dbArgs[i] {
		case "--data":
			opts.DataDir = t.dbArgs[i+1]
		case "--database-url":
			opts.DatabaseURL = t.dbArgs[i+1]
		}
	}
	return storage.Open(ctx, opts)
}

// mirrorWrite changes one contact in the mirror directly, as a connector
// does after reading it from the PSA.
func mirrorWrite(ctx context.Context, s *storage.Store, w workload, round int) error {
	i := w.contacts - 1 - round
	first, last := w.contactName(i)
	rec := &mapping.Contact{ID: int64(benchContactBase + i), CompanyID: int64(100 + w.company(i)), IsActive: 1,
		FirstName: first, LastName: last, Title: fmt.Sprintf("Changed in the PSA %d", round)}
	return s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.UpsertPSA(ctx, mapping.EntityContacts, rec, nil)
		return err
	})
}

// printBenchTable writes the results as one markdown table: a row per
// measurement, a column per server, then the ratios psadav/peer (for
// times below 1 is better for psadav, for rates above 1).
func printBenchTable(out io.Writer, bc *benchConfig, rs []*benchResult) {
	var ps, peers []*benchResult
	for _, r := range rs {
		if r.psadav {
			ps = append(ps, r)
		} else {
			peers = append(peers, r)
		}
	}
	fmt.Fprintf(out, "\n%d contacts (small book %d), %d events, %d clients for %v, on %s.\n\n",
		bc.w.contacts, bc.w.small, bc.w.events, bc.clients, bc.duration, time.Now().UTC().Format("2006-01-02"))
	header := []string{"measurement"}
	for _, r := range rs {
		header = append(header, r.name)
	}
	for _, p := range ps {
		for _, q := range peers {
			header = append(header, strings.TrimPrefix(p.name, "psadav ")+" / "+q.name)
		}
	}
	fmt.Fprintln(out, "| "+strings.Join(header, " | ")+" |")
	fmt.Fprintln(out, "|"+strings.Repeat("---|", len(header)))
	type row struct {
		label string
		value func(*benchResult) float64
		unit  string
		skip  func(*benchResult) bool
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	rows := []row{
		{fmt.Sprintf("initial sync, %d contacts (PROPFIND + multiget ×100)", bc.w.small), func(r *benchResult) float64 { return ms(r.initial1k) }, "ms", nil},
		{fmt.Sprintf("initial sync, %d contacts (PROPFIND + multiget ×100)", bc.w.contacts), func(r *benchResult) float64 { return ms(r.initial10k) }, "ms", nil},
		{fmt.Sprintf("no-change sync-collection, %d members (median)", bc.w.small), func(r *benchResult) float64 { return ms(r.noChange1k) }, "ms", nil},
		{fmt.Sprintf("no-change sync-collection, %d members (median)", bc.w.contacts), func(r *benchResult) float64 { return ms(r.noChange10k) }, "ms", nil},
		{"sync after 10 changes (sync-collection + multiget)", func(r *benchResult) float64 { return ms(r.tenChanges) }, "ms", nil},
		{fmt.Sprintf("calendar-query, one month of %d events (median)", bc.w.events), func(r *benchResult) float64 { return ms(r.calQuery) }, "ms", nil},
		{"GET throughput", func(r *benchResult) float64 { return r.getRate }, "req/s", nil},
		{"GET latency p50", func(r *benchResult) float64 { return ms(r.getP50) }, "ms", nil},
		{"GET latency p99", func(r *benchResult) float64 { return ms(r.getP99) }, "ms", nil},
		{"PUT with If-Match throughput", func(r *benchResult) float64 { return r.putRate }, "req/s", nil},
		{"PUT latency p50", func(r *benchResult) float64 { return ms(r.putP50) }, "ms", nil},
		{"PUT latency p99", func(r *benchResult) float64 { return ms(r.putP99) }, "ms", nil},
		{"peak RSS (VmHWM)", func(r *benchResult) float64 { return r.rss }, "MB", nil},
		{"PSA change → in sync-collection, via psadav import", func(r *benchResult) float64 { return ms(r.visibleImport) }, "ms", func(r *benchResult) bool { return !r.psadav }},
		{"PSA change → in sync-collection, via mirror write", func(r *benchResult) float64 { return ms(r.visibleRow) }, "ms", func(r *benchResult) bool { return !r.psadav }},
	}
	for _, rw := range rows {
		cells := []string{rw.label + " (" + rw.unit + ")"}
		for _, r := range rs {
			if rw.skip != nil && rw.skip(r) {
				cells = append(cells, "—")
				continue
			}
			cells = append(cells, formatNum(rw.value(r)))
		}
		for _, p := range ps {
			for _, q := range peers {
				if rw.skip != nil && (rw.skip(p) || rw.skip(q)) || rw.value(q) == 0 {
					cells = append(cells, "—")
					continue
				}
				cells = append(cells, fmt.Sprintf("%.3g", rw.value(p)/rw.value(q)))
			}
		}
		fmt.Fprintln(out, "| "+strings.Join(cells, " | ")+" |")
	}
	fmt.Fprintln(out)
}

func formatNum(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
