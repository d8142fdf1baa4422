// Command fakeautotask runs psadav's fake Autotask tenant with the demo
// organisation, so psadav serve --psa autotask can be tried without a
// tenant. It prints the environment psadav needs, logs every API request,
// and takes changes "made in the PSA" at /_fake/update for trying
// polling and webhooks. Not for production use: it keeps everything in
// memory and accepts one set of credentials.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8089", "address to listen on")
	contacts := flag.Int("contacts", 5000, "contacts in the tenant (the demo's are topped up or cut)")
	user := flag.String("username", "psadav-api@example.com", "API user name the tenant accepts")
	secret := flag.String("secret", "fake-secret", "API secret the tenant accepts")
	code := flag.String("integration-code", "FAKE-INTEGRATION", "integration code the tenant accepts")
	quiet := flag.Bool("quiet", false, "do not log every request")
	flag.Parse()
	if err := run(*listen, *contacts, *user, *secret, *code, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "fakeautotask:", err)
		os.Exit(1)
	}
}

const apiResource = 29999999

func run(listen string, contacts int, user, secret, code string, quiet bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t := fakeautotask.New(fakeautotask.Options{Username: user, Secret: secret, IntegrationCode: code, APIResourceID: apiResource})
	seeded := t.LoadDemo(time.Now(), contacts)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("/_fake/update", func(w http.ResponseWriter, r *http.Request) { update(t, w, r) })
	mux.HandleFunc("/_fake/log", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, t.Summary()) })
	api := t.Handler()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		api.ServeHTTP(w, r)
		if !quiet {
			log.Printf("%s %s %s", r.Method, r.URL.Path, time.Since(start).Round(time.Millisecond))
		}
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf(`fake Autotask tenant with %d contacts on %s

  export PSADAV_AUTOTASK_USERNAME=%s
  export PSADAV_AUTOTASK_SECRET=%s
  export PSADAV_AUTOTASK_INTEGRATION_CODE=%s
  psadav autotask probe --autotask-discovery-url %s/atservicesrest/           # what the tenant bears out of psadav's assumptions
  psadav serve --psa autotask --autotask-discovery-url %s/atservicesrest/ --data /tmp/psadav-fake
  psadav user add awalker --resource %d --contacts all      # a technician (logins: %v)
  psadav autotask webhooks install --url http://127.0.0.1:8080 --autotask-discovery-url %s/atservicesrest/ --data /tmp/psadav-fake

Change a record as a PSA user would (webhooks fire, polls see it):
  curl '%s/_fake/update?entity=Contacts&id=ID&field=title&value=CEO'
Requests so far by endpoint: %s/_fake/log
`, seeded.Contacts, base, user, secret, code, base, base, seeded.Logins["awalker"], seeded.Logins, base, base, base)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Printf("\nrequests by endpoint:\n%s", t.Summary())
	return nil
}

// update changes one field of a record as a technician in the PSA would.
func update(t *fakeautotask.Tenant, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("id"), 10, 64)
	if err != nil || q.Get("field") == "" {
		http.Error(w, "want entity, id, field and value", http.StatusBadRequest)
		return
	}
	if err := t.Update(mapping.Entity(q.Get("entity")), id, map[string]any{q.Get("field"): q.Get("value")}, 29682901); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	t.WaitWebhooks()
	fmt.Fprintln(w, "updated")
}
