package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/psadav/psadav/backend/syncer"
	"regexp"
	"strings"
	"testing"
)

// After a few requests every family the README lists is on /metrics (the
// metrics listener), with the labels the requests earned; the DAV port
// does not serve them.
func TestMetricsAfterRequests(t *testing.T) {
	for _, db := range dbVariants {
		t.Run(db.name, func(t *testing.T) {
			dbArgs := db.args(t)
			mustCmd(t, "", append([]string{"migrate"}, dbArgs...)...)
			mustCmd(t, "pw-metrics-1\n", append([]string{"user", "add", "mia", "--password-stdin", "--contacts", "all"}, dbArgs...)...)
			mustCmd(t, "", append([]string{"import", writeContacts(t, 3)}, dbArgs...)...)
			srv := startServe(t, "", dbArgs...)
			defer srv.stop()
			base := "http://" + srv.addr
			do := func(method, path, user, body string, hdr ...string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				if user != "" {
					req.SetBasicAuth(user, "pw-metrics-1")
				}
				req.Header.Set("User-Agent", "DAVx5/4.4.2-ose (2024/06/01; dav4jvm; okhttp/4.12.0) Android/14")
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			book := "/dav/addressbooks/mia/contacts/"
			if code, _ := do("PROPFIND", book, "mia", "", "Depth", "1"); code != 207 {
				t.Fatalf("PROPFIND: %d", code)
			}
			sync := func(token string) (int, string) {
				return do("REPORT", book, "mia", `<?xml version="1.0"?><sync-collection xmlns="DAV:"><sync-token>`+token+
					`</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`, "Content-Type", "application/xml")
			}
			code, body := sync("")
			m := regexp.MustCompile(`<[^>]*sync-token>([^<]+)<`).FindStringSubmatch(body)
			if code != 207 || m == nil {
				t.Fatalf("initial sync: %d\n%s", code, body)
			}
			if code, _ := sync(m[1]); code != 207 {
				t.Fatalf("no-change sync: %d", code)
			}
			if code, _ := sync("http://psadav.invalid/sync/999999999"); code != 403 {
				t.Fatalf("unknown token: %d", code)
			}
			if code, _ := do("PROPFIND", book, "mia-wrong", ""); code != 401 {
				t.Fatalf("wrong login: %d", code)
			}
			if code, body := do(http.MethodGet, "/metrics", "", ""); code == 200 || strings.Contains(body, "psadav_") {
				t.Fatalf("the DAV port serves metrics: %d", code)
			}

			resp, err := http.Get("http://" + srv.metricsAddr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text := string(b)
			for _, want := range []string{
				`psadav_http_request_duration_seconds_bucket{method="PROPFIND",route="collection",status="207",le=`,
				`psadav_http_request_duration_seconds_count{method="REPORT",route="collection",status="403"} 1`,
				`psadav_http_request_duration_seconds_count{method="GET",route="other",status="401"} 1`,
				`psadav_http_requests_in_flight `,
				`psadav_http_requests_by_client_total{client="davx5"} 6`,
				`psadav_dav_reports_total{kind="sync-collection"} 3`,
				`psadav_dav_sync_answers_total{outcome="initial"} 1`,
				`psadav_dav_sync_answers_total{outcome="no_change"} 1`,
				`psadav_dav_sync_answers_total{outcome="token_refused"} 1`,
				`psadav_auth_total{outcome="success"} 4`,
				`psadav_auth_total{outcome="failure"} 1`,
				`psadav_auth_total{outcome="none"} 1`,
				`psadav_db_connections{pool=`,
				`psadav_db_max_open_connections{pool=`,
				`psadav_db_wait_count_total{pool=`,
				`psadav_get_cache_requests_total{result="hit"}`,
				`psadav_outbox_entries{state="pending"} 0`,
				`psadav_outbox_oldest_pending_age_seconds 0`,
				`psadav_webhook_events{state="received"} 0`,
				`psadav_psa_sweeps_refused 0`,
				`psadav_build_info{commit=`,
				`go_goroutines `,
				`go_memstats_heap_alloc_bytes `,
				`process_resident_memory_bytes `,
				`process_cpu_seconds_total `,
			} {
				if !strings.Contains(text, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
			checkDashboard(t, text)
			if t.Failed() {
				t.Logf("/metrics:\n%s", text)
			}
		})
	}
}

// writeContacts writes a PSA export of one company with n contacts.
func writeContacts(t *testing.T, n int) string {
	t.Helper()
	contacts := make([]map[string]any, n)
	for i := range contacts {
		contacts[i] = map[string]any{"id": 1000 + i, "companyID": 1, "firstName": fmt.Sprintf("First%d", i),
			"lastName": fmt.Sprintf("Last%d", i), "emailAddress": fmt.Sprintf("c%d@example.com", i), "isActive": 1}
	}
	b, err := json.Marshal(map[string]any{
		"Companies": map[string]any{"items": []map[string]any{{"id": 1, "companyName": "Acme", "isActive": true,
			"companyType": 1, "ownerResourceID": 29682901, "phone": "555-0100"}}},
		"Contacts": map[string]any{"items": contacts},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkDashboard: every metric deploy/grafana-dashboard.json queries is
// one psadav exports (in the scrape, or one the connector exports once it
// has run).
func checkDashboard(t *testing.T, scrape string) {
	t.Helper()
	raw, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is no JSON: %v", err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# HELP (\S+) `).FindAllStringSubmatch(scrape, -1) {
		known[m[1]] = true
	}
	ch := make(chan *prometheus.Desc, 64)
	(&syncer.Collector{}).Describe(ch)
	close(ch)
	for d := range ch {
		if m := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String()); m != nil {
			known[m[1]] = true
		}
	}
	queried := 0
	name := regexp.MustCompile(`\b(?:psadav|go|process)_[a-z_]+`)
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, n := range name.FindAllString(target.Expr, -1) {
				queried++
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count"), "_sum")
				if !known[n] && !known[base] {
					t.Errorf("the dashboard queries %s, which psadav does not export", n)
				}
			}
		}
	}
	if queried < 30 {
		t.Errorf("the dashboard queries only %d metrics", queried)
	}
}
