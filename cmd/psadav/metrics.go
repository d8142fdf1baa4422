package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/storage"
)

// newRegistry gathers everything psadav exports: Go runtime and process
// metrics, the build, the database pools and the GET cache, the
// connector's state (and, through dav.NewMetrics, the HTTP and DAV
// counters the caller registers).
func newRegistry(s *storage.Store, status *syncer.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	v, c, _, _ := buildVersion()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "psadav_build_info", Help: "the running build (always 1)",
			ConstLabels: prometheus.Labels{"version": v, "commit": c, "goversion": runtime.Version()}}, func() float64 { return 1 }),
		&storeCollector{s: s},
		status,
	)
	return reg
}

// storeCollector exports the database connection pools (database/sql's
// statistics per pool: "read" and "write" on SQLite, "pool" on
// PostgreSQL) and the GET cache's hits and misses (PostgreSQL).
type storeCollector struct{ s *storage.Store }

var (
	descConns     = prometheus.NewDesc("psadav_db_connections", "database connections by pool and state", []string{"pool", "state"}, nil)
	descMaxConns  = prometheus.NewDesc("psadav_db_max_open_connections", "the pool's connection limit", []string{"pool"}, nil)
	descWaits     = prometheus.NewDesc("psadav_db_wait_count_total", "times a query waited for a free connection", []string{"pool"}, nil)
	descWaitTime  = prometheus.NewDesc("psadav_db_wait_seconds_total", "time queries spent waiting for a free connection", []string{"pool"}, nil)
	descCacheHits = prometheus.NewDesc("psadav_get_cache_requests_total", "GETs answered from the in-memory object cache (hit) or read from the database with the cache on (miss)", []string{"result"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConns, descMaxConns, descWaits, descWaitTime, descCacheHits} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, st := range c.s.PoolStats() {
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.InUse), pool, "in_use")
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.Idle), pool, "idle")
		ch <- prometheus.MustNewConstMetric(descMaxConns, prometheus.GaugeValue, float64(st.MaxOpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(st.WaitCount), pool)
		ch <- prometheus.MustNewConstMetric(descWaitTime, prometheus.CounterValue, st.WaitDuration.Seconds(), pool)
	}
	hits, misses := c.s.CacheCounts()
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(hits), "hit")
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(misses), "miss")
}

// serveMetrics serves /metrics on its own listener, apart from the DAV
// port: the DAV port faces the internet, and what the metrics tell
// (logins failing, the outbox, the clients in use) is for the operator's
// Prometheus, not for anyone who asks (README, "Operations"). It stops
// when ctx ends.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics-listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn), Timeout: 10 * time.Second}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go srv.Serve(ln)
	log.Info("metrics served", "addr", "http://"+ln.Addr().String()+"/metrics")
	return ln.Addr(), nil
}
