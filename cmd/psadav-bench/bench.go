package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// benchResult is what was measured on one server.
type benchResult struct {
	name                      string
	psadav                    bool
	initial1k, initial10k     time.Duration
	noChange1k, noChange10k   time.Duration
	noChangeHow               string
	tenChanges                time.Duration
	calQuery                  time.Duration
	calQueryEvents            int
	getRate                   float64
	getP50, getP99            time.Duration
	putRate                   float64
	putP50, putP99            time.Duration
	rss                       float64
	visibleImport, visibleRow time.Duration
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// timed runs fn up to n times (fewer once 20 s have gone: slow peers) and
// returns the median duration.
func timed(n int, fn func() error) (time.Duration, error) {
	var ds []time.Duration
	begin := time.Now()
	for i := 0; i < n && (i == 0 || time.Since(begin) < 20*time.Second); i++ {
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	return median(ds), nil
}

func measure(ctx context.Context, t *target, bc *benchConfig, exe string, logf func(string, ...any)) (*benchResult, error) {
	r := &benchResult{name: t.name, psadav: t.dbArgs != nil}
	c := newDAVClient(t.base, t.user, t.password, bc.clients)
	var err error

	// Initial sync: ETag listing, then multigets of 100.
	for _, s := range []struct {
		coll string
		want int
		out  *time.Duration
	}{{t.book1k, bc.w.small, &r.initial1k}, {t.book10k, bc.w.contacts, &r.initial10k}} {
		*s.out, err = timed(5, func() error {
			n, err := c.initialSync(ctx, s.coll, true, 100)
			if err == nil && n != s.want {
				err = fmt.Errorf("initial sync of %s fetched %d cards, want %d", s.coll, n, s.want)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	logf("%s: initial sync %v (1k) %v (10k)", t.name, r.initial1k, r.initial10k)

	// No-change sync: sync-collection with the current token.
	r.noChangeHow = "sync-collection"
	for _, s := range []struct {
		coll string
		out  *time.Duration
	}{{t.book1k, &r.noChange1k}, {t.book10k, &r.noChange10k}} {
		first, err := c.syncCollection(ctx, s.coll, "")
		if err != nil {
			return nil, err
		}
		*s.out, err = timed(bc.repeats, func() error {
			res, err := c.syncCollection(ctx, s.coll, first.syncToken)
			if err == nil && len(res.items) != 0 {
				err = fmt.Errorf("no-change sync of %s listed %d members", s.coll, len(res.items))
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	logf("%s: no-change sync %v (1k) %v (10k)", t.name, r.noChange1k, r.noChange10k)

	// Ten changes: discover them with sync-collection and fetch just those.
	before, err := c.syncCollection(ctx, t.book10k, "")
	if err != nil {
		return nil, err
	}
	changed := map[int]bool{}
	for i := 0; len(changed) < 10; i += bc.w.contacts / 10 {
		changed[i] = true
	}
	if err := applyChanges(ctx, t, c, bc, exe, changed); err != nil {
		return nil, err
	}
	r.tenChanges, err = timed(1, func() error {
		res, err := c.syncCollection(ctx, t.book10k, before.syncToken)
		if err != nil {
			return err
		}
		var hrefs []string
		for _, it := range res.items {
			hrefs = append(hrefs, it.href)
		}
		objs, err := c.multiget(ctx, t.book10k, true, hrefs)
		if err == nil && len(objs) != 10 {
			err = fmt.Errorf("a sync after 10 changes fetched %d cards", len(objs))
		}
		return err
	})
	if err != nil {
		return nil, err
	}

	// calendar-query for one month.
	from := bc.w.day.AddDate(0, 1, 0)
	r.calQuery, err = timed(max(5, bc.repeats/3), func() error {
		n, err := c.calendarQuery(ctx, t.calendar, from, from.AddDate(0, 1, 0))
		r.calQueryEvents = n
		if err == nil && n == 0 {
			err = errors.New("calendar-query for a month found no events")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	logf("%s: 10 changes %v, calendar-query month %v (%d events)", t.name, r.tenChanges, r.calQuery, r.calQueryEvents)

	if r.psadav {
		if r.visibleImport, r.visibleRow, err = changeToVisible(ctx, t, c, bc, exe); err != nil {
			return nil, err
		}
		logf("%s: PSA change visible in sync-collection after %v (import) %v (mirror write)", t.name, r.visibleImport, r.visibleRow)
	}

	items, err := c.listETags(ctx, t.book10k)
	if err != nil {
		return nil, err
	}
	var hrefs []string
	for _, it := range items {
		hrefs = append(hrefs, it.href)
	}
	r.getRate, r.getP50, r.getP99, err = loadGET(ctx, c, hrefs, bc.clients, bc.duration)
	if err != nil {
		return nil, err
	}
	logf("%s: GET %.0f/s p50 %v p99 %v", t.name, r.getRate, r.getP50, r.getP99)
	small, err := c.listETags(ctx, t.book1k)
	if err != nil {
		return nil, err
	}
	r.putRate, r.putP50, r.putP99, err = loadPUT(ctx, c, small, bc.clients, bc.duration)
	if err != nil {
		return nil, err
	}
	logf("%s: PUT with If-Match %.0f/s p50 %v p99 %v", t.name, r.putRate, r.putP50, r.putP99)
	r.rss, err = t.peakRSS()
	return r, err
}

// applyChanges changes 10 contacts: in the PSA (an import) for psadav, by
// PUT for the peers.
func applyChanges(ctx context.Context, t *target, c *davClient, bc *benchConfig, exe string, changed map[int]bool) error {
	if t.dbArgs != nil {
		return importContacts(ctx, t, bc, exe, changed, filepath.Join(bc.dir, "changes.json"))
	}
	for i := range changed {
		name, card := bc.w.card(i, true)
		resp, b, err := c.do(ctx, "PUT", t.book10k+name, []byte(card), "Content-Type", "text/vcard")
		if err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("PUT %s: %s %.200s", name, resp.Status, b)
		}
	}
	return nil
}

// importContacts runs `psadav import` of the given contacts (their titles
// changed) against the target's database.
func importContacts(ctx context.Context, t *target, bc *benchConfig, exe string, changed map[int]bool, path string) error {
	w := bc.w
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := w.psadavBundle(f, changed, false); err != nil {
		f.Close()
		return err
	}
	f.Close()
	out, err := execOutput(ctx, exe, append([]string{"import", path, "--log-level", "warn"}, t.dbArgs...)...)
	if err != nil {
		return fmt.Errorf("psadav import: %v\n%s", err, out)
	}
	return nil
}

// changeToVisible measures how long a PSA change takes to show up in a
// client's sync-collection answer, through `psadav import` (a process that
// starts, reads the file and writes) and through a direct mirror write.
func changeToVisible(ctx context.Context, t *target, c *davClient, bc *benchConfig, exe string) (viaImport, viaWrite time.Duration, err error) {
	waitFor := func(token string, start time.Time) (time.Duration, error) {
		deadline := start.Add(30 * time.Second)
		for time.Now().Before(deadline) {
			res, err := c.syncCollection(ctx, t.book10k, token)
			if err != nil {
				return 0, err
			}
			if len(res.items) > 0 {
				return time.Since(start), nil
			}
			time.Sleep(2 * time.Millisecond)
		}
		return 0, errors.New("the change never became visible")
	}
	store, err := openTargetStore(ctx, t)
	if err != nil {
		return 0, 0, err
	}
	defer store.Close()
	var imports, writes []time.Duration
	for round := range 3 {
		base, err := c.syncCollection(ctx, t.book10k, "")
		if err != nil {
			return 0, 0, err
		}
		start := time.Now()
		// Each round changes a fresh contact.
		if err := importContacts(ctx, t, bc, exe, map[int]bool{round + 1: true, round + 2: true}, filepath.Join(bc.dir, "visible.json")); err != nil {
			return 0, 0, err
		}
		d, err := waitFor(base.syncToken, start)
		if err != nil {
			return 0, 0, err
		}
		imports = append(imports, d)

		base, err = c.syncCollection(ctx, t.book10k, "")
		if err != nil {
			return 0, 0, err
		}
		start = time.Now()
		if err := mirrorWrite(ctx, store, bc.w, round); err != nil {
			return 0, 0, err
		}
		d, err = waitFor(base.syncToken, start)
		if err != nil {
			return 0, 0, err
		}
		writes = append(writes, d)
	}
	return median(imports), median(writes), nil
}
