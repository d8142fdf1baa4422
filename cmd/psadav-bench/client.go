package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// davClient is the benchmark's client: raw requests, and a small
// multistatus scanner that reads what a syncing client needs (hrefs,
// ETags, object data, the sync token) from any server's XML whatever its
// namespace prefixes, without building a DOM.
type davClient struct {
	base     string // http://host:port
	user     string
	password string
	hc       *http.Client
}

func newDAVClient(base, user, password string, conns int) *davClient {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &davClient{base: base, user: user, password: password, hc: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

func (c *davClient) do(ctx context.Context, method, path string, body []byte, headers ...string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// item is one member in a multistatus answer.
type item struct {
	href, etag, data string
	status           int // 0: had a propstat
}

// multistatus is what the scanner found.
type multistatusResult struct {
	items     []item
	syncToken string
	truncated bool
}

var entity = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&#13;", "\r", "&#xD;", "\r", "&#xd;", "\r", "&#10;", "\n", "&#xA;", "\n")

// scanMultistatus reads a multistatus body by local element names.
func scanMultistatus(body []byte) multistatusResult {
	var res multistatusResult
	var cur *item
	var inPropstat bool
	s := body
	for {
		i := bytes.IndexByte(s, '<')
		if i < 0 {
			break
		}
		s = s[i+1:]
		if len(s) == 0 {
			break
		}
		if s[0] == '?' || s[0] == '!' {
			continue
		}
		end := bytes.IndexByte(s, '>')
		if end < 0 {
			break
		}
		tag := s[:end]
		closing := tag[0] == '/'
		if closing {
			tag = tag[1:]
		}
		selfClosing := len(tag) > 0 && tag[len(tag)-1] == '/'
		nameEnd := bytes.IndexAny(tag, " \t\r\n/")
		if nameEnd < 0 {
			nameEnd = len(tag)
		}
		name := tag[:nameEnd]
		if c := bytes.IndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		s = s[end+1:]
		text := func() string {
			j := bytes.IndexByte(s, '<')
			if j < 0 {
				return ""
			}
			return entity.Replace(string(s[:j]))
		}
		switch string(name) {
		case "response":
			if closing {
				if cur != nil {
					res.items = append(res.items, *cur)
				}
				cur = nil
			} else if !selfClosing {
				cur = &item{status: -1}
			}
		case "propstat":
			inPropstat = !closing
			if !closing && cur != nil {
				cur.status = 0
			}
		case "href":
			if !closing && !selfClosing && cur != nil && cur.href == "" {
				cur.href = strings.TrimSpace(text())
			}
		case "status":
			if !closing && cur != nil && !inPropstat {
				var code int
				fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(text()), "HTTP/1.1 "), "%d", &code)
				cur.status = code
				if code == 507 {
					res.truncated = true
				}
			}
		case "getetag":
			if !closing && !selfClosing && cur != nil {
				cur.etag = strings.TrimSpace(text())
			}
		case "address-data", "calendar-data":
			if !closing && !selfClosing && cur != nil {
				cur.data = text()
			}
		case "sync-token":
			if !closing && !selfClosing && cur == nil {
				res.syncToken = strings.TrimSpace(text())
			}
		}
	}
	return res
}

func (c *davClient) report(ctx context.Context, path string, body string, depth string) (multistatusResult, error) {
	resp, b, err := c.do(ctx, "REPORT", path, []byte(body), "Content-Type", "application/xml; charset=utf-8", "Depth", depth)
	if err != nil {
		return multistatusResult{}, err
	}
	if resp.StatusCode != http.StatusMultiStatus {
		return multistatusResult{}, fmt.Errorf("REPORT %s: %s: %.300s", path, resp.Status, b)
	}
	return scanMultistatus(b), nil
}

// listETags is the first step of a sync: PROPFIND Depth 1 for getetag.
func (c *davClient) listETags(ctx context.Context, coll string) ([]item, error) {
	resp, b, err := c.do(ctx, "PROPFIND", coll, []byte(`<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>`),
		"Content-Type", "application/xml; charset=utf-8", "Depth", "1")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, fmt.Errorf("PROPFIND %s: %s", coll, resp.Status)
	}
	var out []item
	for _, it := range scanMultistatus(b).items {
		if it.etag != "" && !strings.HasSuffix(it.href, "/") {
			out = append(out, it)
		}
	}
	return out, nil
}

// multiget fetches hrefs with their data, in one REPORT.
func (c *davClient) multiget(ctx context.Context, coll string, card bool, hrefs []string) ([]item, error) {
	var b strings.Builder
	if card {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>`)
	} else {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>`)
	}
	for _, h := range hrefs {
		b.WriteString("<d:href>" + h + "</d:href>")
	}
	if card {
		b.WriteString("</c:addressbook-multiget>")
	} else {
		b.WriteString("</c:calendar-multiget>")
	}
	res, err := c.report(ctx, coll, b.String(), "1")
	return res.items, err
}

// syncCollection runs an RFC 6578 sync-collection from token ("" = initial).
func (c *davClient) syncCollection(ctx context.Context, coll, token string) (multistatusResult, error) {
	return c.report(ctx, coll, `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>`+token+
		`</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`, "0")
}

// initialSync is what a phone does the first time: list ETags, then fetch
// every member with multigets of batch hrefs. It returns the members.
func (c *davClient) initialSync(ctx context.Context, coll string, card bool, batch int) (int, error) {
	items, err := c.listETags(ctx, coll)
	if err != nil {
		return 0, err
	}
	got := 0
	for i := 0; i < len(items); i += batch {
		var hrefs []string
		for _, it := range items[i:min(i+batch, len(items))] {
			hrefs = append(hrefs, it.href)
		}
		objs, err := c.multiget(ctx, coll, card, hrefs)
		if err != nil {
			return got, err
		}
		for _, o := range objs {
			if o.data != "" {
				got++
			}
		}
	}
	return got, nil
}

// calendarQuery asks for the events overlapping [start, end) with data.
func (c *davClient) calendarQuery(ctx context.Context, coll string, start, end time.Time) (int, error) {
	f := "20060102T150405Z"
	res, err := c.report(ctx, coll, `<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">`+
		`<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">`+
		`<c:time-range start="`+start.UTC().Format(f)+`" end="`+end.UTC().Format(f)+`"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`, "1")
	return len(res.items), err
}
