package dav

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkInstrument measures what the metrics add to a request: run
// with -bench Instrument and compare bare with instrumented.
func BenchmarkInstrument(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusMultiStatus) })
	req := httptest.NewRequest("PROPFIND", "/dav/addressbooks/jsmith/contacts/", nil)
	req.Header.Set("User-Agent", "DAVx5/4.4.2-ose (2024/06/01; dav4jvm; okhttp/4.12.0) Android/14")
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", h}, {"instrumented", NewMetrics(prometheus.NewRegistry()).Instrument(h)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			w := httptest.NewRecorder()
			for b.Loop() {
				c.h.ServeHTTP(w, req)
			}
		})
	}
}
