package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// loadConn is one load-test client: a single keep-alive HTTP/1.1
// connection driven by hand. net/http's client hands every request
// between goroutines and costs the two-core machine as much CPU as a fast
// server spends answering, so it would measure itself; this costs a
// fraction and is the same for every server measured.
type loadConn struct {
	host, auth string
	conn       net.Conn
	r          *bufio.Reader
	w          *bufio.Writer
}

func newLoadConn(base, user, password string) (*loadConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	return &loadConn{host: u.Host, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}, nil
}

func (lc *loadConn) close() {
	if lc.conn != nil {
		lc.conn.Close()
		lc.conn = nil
	}
}

// do sends one request and reads the whole answer. A connection the
// server closed while idle is redialled once.
func (lc *loadConn) do(method, path string, body []byte, headers ...string) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := lc.conn != nil
		resp, b, err := lc.roundTrip(method, path, body, headers)
		if err == nil || !reused || attempt > 0 {
			return resp, b, err
		}
	}
}

func (lc *loadConn) roundTrip(method, path string, body []byte, headers []string) (*http.Response, []byte, error) {
	if lc.conn == nil {
		c, err := net.Dial("tcp", lc.host)
		if err != nil {
			return nil, nil, err
		}
		lc.conn, lc.r, lc.w = c, bufio.NewReaderSize(c, 64<<10), bufio.NewWriterSize(c, 16<<10)
	}
	lc.conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(lc.w, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n", method, path, lc.host, lc.auth)
	if body != nil {
		fmt.Fprintf(lc.w, "Content-Length: %d\r\n", len(body))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(lc.w, "%s: %s\r\n", headers[i], headers[i+1])
	}
	lc.w.WriteString("\r\n")
	lc.w.Write(body)
	if err := lc.w.Flush(); err != nil {
		lc.close()
		return nil, nil, err
	}
	resp, err := http.ReadResponse(lc.r, &http.Request{Method: method})
	if err != nil {
		lc.close()
		return nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		lc.close()
	}
	return resp, b, err
}

// loadGET runs clients GETting random members for d.
func loadGET(ctx context.Context, c *davClient, hrefs []string, clients int, d time.Duration) (float64, time.Duration, time.Duration, error) {
	return load(ctx, c, clients, d, func(lc *loadConn, rng *rand.Rand) error {
		resp, _, err := lc.do("GET", hrefs[rng.IntN(len(hrefs))], nil)
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("GET: %s", resp.Status)
		}
		return err
	})
}

// loadPUT runs clients that each own members of a book and rewrite them
// with If-Match, adding a counter property each time. When a PUT answers
// without an ETag (the stored object differs from the body), the client
// learns the new one with HEAD, as real clients do.
func loadPUT(ctx context.Context, c *davClient, members []item, clients int, d time.Duration) (float64, time.Duration, time.Duration, error) {
	type owned struct {
		sync.Mutex       // one writer per member at a time
		href, etag, body string
		n                int
	}
	pool := make([]*owned, 0, len(members))
	for _, m := range members {
		resp, body, err := c.do(ctx, "GET", m.href, nil)
		if err != nil {
			return 0, 0, 0, err
		}
		pool = append(pool, &owned{href: m.href, etag: resp.Header.Get("ETag"), body: string(body)})
	}
	var mu sync.Mutex
	next := 0
	return load(ctx, c, clients, d, func(lc *loadConn, _ *rand.Rand) error {
		mu.Lock()
		o := pool[next%len(pool)]
		next++
		mu.Unlock()
		o.Lock()
		defer o.Unlock()
		o.n++
		body := strings.Replace(o.body, "END:VCARD", fmt.Sprintf("X-PSADAV-BENCH:%d\r\nEND:VCARD", o.n), 1)
		resp, b, err := lc.do("PUT", o.href, []byte(body), "Content-Type", "text/vcard; charset=utf-8", "If-Match", o.etag)
		if err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("PUT %s: %s %.200s", o.href, resp.Status, b)
		}
		if et := resp.Header.Get("ETag"); et != "" {
			o.etag = et
			return nil
		}
		resp, _, err = lc.do("HEAD", o.href, nil)
		if err == nil {
			o.etag = resp.Header.Get("ETag")
		}
		return err
	})
}

// load runs op from clients goroutines, each with its own connection, for
// d and reports the rate and the 50th and 99th percentile latencies.
func load(ctx context.Context, c *davClient, clients int, d time.Duration, op func(*loadConn, *rand.Rand) error) (float64, time.Duration, time.Duration, error) {
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for w := range clients {
		lc, err := newLoadConn(c.base, c.user, c.password)
		if err != nil {
			return 0, 0, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer lc.close()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			for time.Now().Before(stop) && ctx.Err() == nil {
				t0 := time.Now()
				if err := op(lc, rng); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, 0, 0, firstErr
	}
	if len(all) == 0 {
		return 0, 0, 0, errors.New("the load test finished no request")
	}
	slices.Sort(all)
	return float64(len(all)) / elapsed.Seconds(), percentile(all, 0.50), percentile(all, 0.99), nil
}
