package syncer

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/psadav/psadav/storage"
)

// MetricsHandler serves /metrics in the Prometheus text format: the API
// budget in use (as the leading instance last read it), this instance's
// calls to the PSA, the outbox by state, webhook events, and — on the
// leading instance — what the engine did.
type MetricsHandler struct {
	Store  *storage.Store
	Syncer *Syncer // nil when this process runs no connector
	// Calls returns the connector client's counters (nil: none).
	Calls func() (requests, failures, throttled int64)
}

func (m *MetricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st, err := ReadStatus(r.Context(), m.Store)
	if err != nil {
		http.Error(w, "metrics unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	var b strings.Builder
	metric := func(name, help string, value any, labels ...string) {
		if !strings.Contains(b.String(), "# HELP "+name+" ") {
			kind := "gauge"
			if strings.HasSuffix(name, "_total") {
				kind = "counter"
			}
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
		}
		l := ""
		if len(labels) > 0 {
			l = "{" + strings.Join(labels, ",") + "}"
		}
		fmt.Fprintf(&b, "%s%s %v\n", name, l, value)
	}
	if v, ok := st.Connector[StatusBudget]; ok {
		var bs BudgetStatus
		if json.Unmarshal([]byte(v.Value), &bs) == nil {
			metric("psadav_psa_budget_used", "API requests used in the PSA's current timeframe, all integrations together", bs.Used)
			metric("psadav_psa_budget_limit", "API requests the PSA allows per timeframe", bs.Limit)
			metric("psadav_psa_budget_share", "share of the PSA API budget in use", fmt.Sprintf("%.4f", bs.Share))
			metric("psadav_psa_polling_slowdown", "factor the poll intervals are multiplied by because of the budget", bs.Slowdown)
		}
	}
	if m.Calls != nil {
		req, fail, thr := m.Calls()
		metric("psadav_psa_requests_total", "API requests this instance made to the PSA", req)
		metric("psadav_psa_request_failures_total", "API requests of this instance that failed", fail)
		metric("psadav_psa_throttled_total", "API requests of this instance the PSA throttled (429)", thr)
	}
	for _, s := range []storage.OutboxState{storage.OutboxPending, storage.OutboxFailed, storage.OutboxHeld, storage.OutboxDone} {
		metric("psadav_outbox_entries", "write-backs by state", st.Outbox[s], `state="`+s.String()+`"`)
	}
	metric("psadav_webhook_events", "webhook events by outcome", st.HooksReceived, `state="received"`)
	metric("psadav_webhook_events", "webhook events by outcome", st.HooksProcessed, `state="processed"`)
	metric("psadav_webhook_events", "webhook events by outcome", st.HooksFailing, `state="failing"`)
	refused := 0
	for _, e := range st.Entities {
		if e.SweepRefused != "" {
			refused++
		}
		metric("psadav_psa_records_pulled_total", "records read from the PSA", e.Pulled, `entity="`+e.Entity+`"`)
	}
	metric("psadav_psa_sweeps_refused", "entities whose last deletion sweep the mass-deletion guard refused", refused)
	if m.Syncer != nil {
		c := m.Syncer.Counters()
		metric("psadav_psa_records_applied_total", "pulled records that changed the mirror (this instance)", c.RecordsApplied)
		metric("psadav_psa_records_unchanged_total", "pulled records the mirror already had (this instance)", c.RecordsUnchanged)
		metric("psadav_psa_records_deleted_total", "records found deleted in the PSA (this instance)", c.RecordsDeleted)
		metric("psadav_outbox_pushed_total", "write-backs settled by this instance", c.PushesDone, `outcome="done"`)
		metric("psadav_outbox_pushed_total", "write-backs settled by this instance", c.PushesFailed, `outcome="failed"`)
		metric("psadav_outbox_pushed_total", "write-backs settled by this instance", c.PushesRetried, `outcome="retried"`)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}
