package syncer

import (
	"context"
	"encoding/json"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/psadav/psadav/storage"
)

// Collector exports the connector's state for Prometheus, read from the
// database at each scrape (so every instance reports the same): the API
// budget in use (as the leading instance last read it), records pulled
// and how long ago each entity was last pulled, the outbox by state and
// the age of its oldest pending write-back, webhook events; this
// instance's PSA calls; and, on the leading instance, what the engine did.
type Collector struct {
	Store  StatusStore
	Syncer *Syncer // nil when this process runs no connector
	// Calls returns the connector client's counters (nil: none).
	Calls func() (requests, failures, throttled int64)
	// Now is the clock the ages are measured with (time.Now when nil).
	Now func() time.Time
}

var _ prometheus.Collector = (*Collector)(nil)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descBudgetUsed   = desc("psadav_psa_budget_used", "API requests used in the PSA's current timeframe, all integrations together")
	descBudgetLimit  = desc("psadav_psa_budget_limit", "API requests the PSA allows per timeframe")
	descBudgetShare  = desc("psadav_psa_budget_share", "share of the PSA API budget in use")
	descSlowdown     = desc("psadav_psa_polling_slowdown", "factor the poll intervals are multiplied by because of the budget")
	descRequests     = desc("psadav_psa_requests_total", "API requests this instance made to the PSA")
	descFailures     = desc("psadav_psa_request_failures_total", "API requests of this instance that failed")
	descThrottled    = desc("psadav_psa_throttled_total", "API requests of this instance the PSA throttled (429)")
	descOutbox       = desc("psadav_outbox_entries", "write-backs by state", "state")
	descOutboxAge    = desc("psadav_outbox_oldest_pending_age_seconds", "how long the oldest write-back still to be sent has waited (0: none waits)")
	descHooks        = desc("psadav_webhook_events", "webhook events by outcome", "state")
	descPulled       = desc("psadav_psa_records_pulled_total", "records read from the PSA", "entity")
	descLag          = desc("psadav_psa_pull_lag_seconds", "time since the entity was last pulled from the PSA without error", "entity")
	descFirstPull    = desc("psadav_psa_first_pull_running", "1 while the entity's first full read is under way", "entity")
	descSweepRefused = desc("psadav_psa_sweeps_refused", "entities whose last deletion sweep the mass-deletion guard refused")
	descApplied      = desc("psadav_psa_records_applied_total", "pulled records that changed the mirror (this instance)")
	descUnchanged    = desc("psadav_psa_records_unchanged_total", "pulled records the mirror already had (this instance)")
	descDeleted      = desc("psadav_psa_records_deleted_total", "records found deleted in the PSA (this instance)")
	descPushed       = desc("psadav_outbox_pushed_total", "write-backs settled by this instance", "outcome")
)

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBudgetUsed, descBudgetLimit, descBudgetShare, descSlowdown, descRequests,
		descFailures, descThrottled, descOutbox, descOutboxAge, descHooks, descPulled, descLag, descFirstPull,
		descSweepRefused, descApplied, descUnchanged, descDeleted, descPushed} {
		ch <- d
	}
}

// Collect reads the state (bounded to 5 s) and sends the metrics; a failed
// read is reported as an invalid metric, so the scrape says so.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	if c.Calls != nil {
		req, fail, thr := c.Calls()
		counter(descRequests, float64(req))
		counter(descFailures, float64(fail))
		counter(descThrottled, float64(thr))
	}
	if c.Syncer != nil {
		n := c.Syncer.Counters()
		counter(descApplied, float64(n.RecordsApplied))
		counter(descUnchanged, float64(n.RecordsUnchanged))
		counter(descDeleted, float64(n.RecordsDeleted))
		counter(descPushed, float64(n.PushesDone), "done")
		counter(descPushed, float64(n.PushesFailed), "failed")
		counter(descPushed, float64(n.PushesRetried), "retried")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := ReadStatus(ctx, c.Store)
	var oldest time.Time
	var waiting bool
	if err == nil {
		oldest, waiting, err = c.Store.OldestPendingWriteBack(ctx)
	}
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descOutbox, err)
		return
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	if v, ok := st.Connector[StatusBudget]; ok {
		var bs BudgetStatus
		if json.Unmarshal([]byte(v.Value), &bs) == nil {
			gauge(descBudgetUsed, float64(bs.Used))
			gauge(descBudgetLimit, float64(bs.Limit))
			gauge(descBudgetShare, bs.Share)
			gauge(descSlowdown, bs.Slowdown)
		}
	}
	for _, s := range []storage.OutboxState{storage.OutboxPending, storage.OutboxFailed, storage.OutboxHeld, storage.OutboxDone} {
		gauge(descOutbox, float64(st.Outbox[s]), s.String())
	}
	age := 0.0
	if waiting {
		age = max(0, now.Sub(oldest).Seconds())
	}
	gauge(descOutboxAge, age)
	gauge(descHooks, float64(st.HooksReceived), "received")
	gauge(descHooks, float64(st.HooksProcessed), "processed")
	gauge(descHooks, float64(st.HooksFailing), "failing")
	refused := 0
	for _, e := range st.Entities {
		if e.SweepRefused != "" {
			refused++
		}
		counter(descPulled, float64(e.Pulled), e.Entity)
		if e.LastOKAt != nil {
			gauge(descLag, max(0, now.Sub(*e.LastOKAt).Seconds()), e.Entity)
		}
		running := 0.0
		if e.FullStartedAt != nil {
			running = 1
		}
		gauge(descFirstPull, running, e.Entity)
	}
	gauge(descSweepRefused, float64(refused))
}
