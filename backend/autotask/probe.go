package autotask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/psadav/psadav/backend"
)

// Probe settles, with a handful of read-only calls, what psadav assumes
// about the Autotask API and cannot learn from the vendor's pages alone
// (docs/autotask.md lists each assumption, A1…): how next pages are read,
// what a query without conditions answers, CompanyNotes' fields, what
// time-off times mean, the API user's resource. It writes nothing and
// makes at most ProbeBudget requests.

// ProbeBudget is the most requests Probe makes.
const ProbeBudget = 20

// Verdict grades one finding of Probe.
type Verdict string

const (
	Holds     Verdict = "holds"
	Fails     Verdict = "DOES NOT HOLD"
	Unsettled Verdict = "unsettled"
)

// ProbeItem is one finding: an assumption, whether the tenant bears it
// out, and what was seen.
type ProbeItem struct {
	ID      string // the assumption's number in docs/autotask.md ("A1")
	What    string
	Verdict Verdict
	Detail  string
}

// ProbeResult is what Probe found and what it cost.
type ProbeResult struct {
	Items    []ProbeItem
	Requests int64
}

// Failed counts the assumptions that do not hold.
func (r ProbeResult) Failed() int {
	n := 0
	for _, it := range r.Items {
		if it.Verdict == Fails {
			n++
		}
	}
	return n
}

type prober struct {
	c   *Connector
	ctx context.Context
	out []ProbeItem
}

func (p *prober) add(id, what string, v Verdict, format string, args ...any) {
	p.out = append(p.out, ProbeItem{ID: id, What: what, Verdict: v, Detail: fmt.Sprintf(format, args...)})
}

// Probe runs the checks. It stops early only when the tenant cannot be
// reached or the credentials are refused.
func (c *Connector) Probe(ctx context.Context) ProbeResult {
	start := c.Stats().Requests
	p := &prober{c: c, ctx: ctx}
	if p.basics() {
		p.conditions()
		p.paging()
		p.operatorsAndLimits()
		p.companyNotes()
		p.timeOff()
		p.apiUser()
		p.webhooks()
	}
	return ProbeResult{Items: p.out, Requests: c.Stats().Requests - start}
}

// basics: the zone and the credentials (2 requests).
func (p *prober) basics() bool {
	z, err := p.c.Zone(p.ctx)
	if err != nil {
		p.add("", "zone", Fails, "%v", err)
		return false
	}
	p.add("", "zone", Holds, "%s at %s", z.ZoneName, z.URL)
	b, err := p.c.Budget(p.ctx)
	if err != nil {
		p.add("", "credentials", Fails, "%v", err)
		return false
	}
	p.add("", "credentials", Holds, "accepted; %d of %d requests used in the current %s window", b.Used, b.Limit, b.Timeframe)
	return true
}

// query posts a raw query body and returns the answer or the error.
func (p *prober) query(path string, body any) (queryAnswer, error) {
	var ans queryAnswer
	err := p.c.do(p.ctx, request{method: http.MethodPost, path: path, body: body}, &ans)
	return ans, err
}

func idGte0() []Filter { return []Filter{everything} }

// conditions: A3, what a query without conditions answers (3 requests).
func (p *prober) conditions() {
	withCond, err1 := p.query("v1.0/Resources/query", map[string]any{"filter": idGte0(), "IncludeFields": []string{"id"}, "MaxRecords": 1})
	empty, err2 := p.query("v1.0/Resources/query", map[string]any{"filter": []Filter{}, "IncludeFields": []string{"id"}, "MaxRecords": 1})
	_, err3 := p.query("v1.0/Resources/query", map[string]any{"IncludeFields": []string{"id"}, "MaxRecords": 1})
	if err1 != nil {
		p.add("A3", "a query needs a condition", Unsettled, "the always-true query itself failed: %v", err1)
		return
	}
	var seen []string
	emptyReads := err2 == nil && len(empty.Items) > 0
	switch {
	case err2 != nil:
		seen = append(seen, fmt.Sprintf(`"filter": [] was refused (%v)`, err2))
	default:
		seen = append(seen, fmt.Sprintf(`"filter": [] answered %d row(s)`, len(empty.Items)))
	}
	if err3 != nil {
		seen = append(seen, fmt.Sprintf("no filter was refused (%s)", short(err3)))
	} else {
		seen = append(seen, "no filter was answered")
	}
	seen = append(seen, fmt.Sprintf("id gte 0 answered %d row(s)", len(withCond.Items)))
	v := Holds
	if len(withCond.Items) == 0 {
		v = Fails // the API user is a resource: an always-true condition must find one
	} else if emptyReads {
		v = Unsettled // harmless: psadav never sends []
	}
	p.add("A3", "queries always carry a condition (id gte 0)", v, "%s", strings.Join(seen, "; "))
}

// paging: A1, A2, how next pages are read (3 requests).
func (p *prober) paging() {
	body := map[string]any{"filter": idGte0(), "IncludeFields": []string{"id"}, "MaxRecords": 1}
	first, err := p.query("v1.0/Countries/query", body)
	if err != nil {
		p.add("A1", "next pages are POSTed with the query", Unsettled, "the first page failed: %v", err)
		return
	}
	next := first.next()
	if next == "" {
		p.add("A1", "next pages are POSTed with the query", Unsettled, "a one-row page of Countries had no nextPageUrl (%d rows)", len(first.Items))
		return
	}
	zone, _ := p.c.Zone(p.ctx)
	u, perr := url.Parse(next)
	form := []string{}
	switch {
	case perr != nil || !u.IsAbs():
		form = append(form, "relative")
	case !sameOrigin(next, zone.URL):
		form = append(form, "on another host ("+u.Host+"): psadav will not follow it")
	default:
		form = append(form, "absolute, on the zone's host")
	}
	if strings.Contains(next, "V1.0/") {
		form = append(form, "upper-case V1.0")
	}
	v2 := Holds
	if perr != nil || !u.IsAbs() || !sameOrigin(next, zone.URL) {
		v2 = Fails
	}
	p.add("A2", "nextPageUrl is absolute on the zone's host", v2, "%s: %s", strings.Join(form, ", "), redactURL(next))
	if v2 == Fails {
		return
	}
	var viaGet queryAnswer
	getErr := p.c.do(p.ctx, request{method: http.MethodGet, path: next}, &viaGet)
	var viaPost queryAnswer
	postErr := p.c.do(p.ctx, request{method: http.MethodPost, path: next, body: body}, &viaPost)
	firstID, _ := itemIDs(first.Items)
	postIDs, _ := itemIDs(viaPost.Items)
	var e *backend.Error
	getSaid := "answered"
	if errors.As(getErr, &e) {
		getSaid = fmt.Sprintf("refused with HTTP %d", e.Status)
	} else if getErr != nil {
		getSaid = "failed: " + getErr.Error()
	}
	switch {
	case postErr != nil:
		p.add("A1", "next pages are POSTed with the query", Fails, "GET %s; POST with the query failed: %v", getSaid, postErr)
	case len(postIDs) == 0 || len(firstID) == 0 || postIDs[0] == firstID[0]:
		p.add("A1", "next pages are POSTed with the query", Fails, "GET %s; POST with the query answered no new row", getSaid)
	default:
		p.add("A1", "next pages are POSTed with the query", Holds, "GET %s; POST with the query answered the next row (id %d after %d)",
			getSaid, postIDs[0], firstID[0])
	}
}

// operatorsAndLimits: A11 id order, A6 unknown operators, A7 MaxRecords
// (3 requests).
func (p *prober) operatorsAndLimits() {
	all, err := p.query("v1.0/Countries/query", map[string]any{"filter": idGte0(), "IncludeFields": []string{"id"}})
	if err != nil {
		p.add("A11", "query answers come in id order", Unsettled, "%v", err)
		return
	}
	ids, ordered := itemIDs(all.Items)
	switch {
	case len(ids) < 2:
		p.add("A11", "query answers come in id order", Unsettled, "%d countries", len(ids))
	case ordered:
		p.add("A11", "query answers come in id order", Holds, "%d countries, ascending", len(ids))
	default:
		p.add("A11", "query answers come in id order", Fails, "%d countries, not ascending: keyset paging falls back to nextPageUrl by itself", len(ids))
	}
	var cnt struct {
		QueryCount int `json:"queryCount"`
	}
	err = p.c.do(p.ctx, request{method: http.MethodPost, path: "v1.0/Countries/query/count",
		body: map[string]any{"filter": []map[string]any{{"op": "noSuchOperator", "field": "id", "value": 0}}}}, &cnt)
	full := len(ids)
	switch {
	case err != nil:
		p.add("A6", "an unknown operator is ignored", Unsettled, "refused instead (%s): psadav sends only documented operators", short(err))
	case full < PageSize && cnt.QueryCount == full:
		p.add("A6", "an unknown operator is ignored", Holds, "a condition with operator noSuchOperator counted all %d countries", full)
	default:
		p.add("A6", "an unknown operator is ignored", Unsettled, "it counted %d of %d countries", cnt.QueryCount, full)
	}
	over, err := p.query("v1.0/Countries/query", map[string]any{"filter": idGte0(), "IncludeFields": []string{"id"}, "MaxRecords": PageSize + 1})
	switch {
	case err != nil:
		p.add("A7", "MaxRecords outside 1–500 is refused", Holds, "MaxRecords %d: %s", PageSize+1, short(err))
	default:
		p.add("A7", "MaxRecords outside 1–500 is refused", Unsettled, "MaxRecords %d was answered with %d rows (psadav never asks for more than 500)",
			PageSize+1, len(over.Items))
	}
}

// companyNotes: A4, the fields of a journal entry (2 requests).
func (p *prober) companyNotes() {
	fields, err := p.c.Fields(p.ctx, "CompanyNotes")
	if err != nil {
		p.add("A4", "CompanyNotes have name (128) and note (32000)", Unsettled, "%v", err)
		return
	}
	byName := map[string]int{}
	var required []string
	for _, f := range fields {
		byName[strings.ToLower(f.Name)] = f.Length
		if f.IsRequired && !f.IsReadOnly {
			required = append(required, f.Name)
		}
	}
	slices.Sort(required)
	nameLen, hasName := byName["name"]
	noteLen, hasNote := byName["note"]
	_, hasTitle := byName["title"]
	v := Holds
	if !hasName || !hasNote || hasTitle {
		v = Fails
	}
	detail := fmt.Sprintf("name %s, note %s; required on create: %s", lengthOf(hasName, nameLen), lengthOf(hasNote, noteLen), strings.Join(required, ", "))
	if hasTitle {
		detail += "; the tenant has a title field too"
	}
	sample, err := p.query("v1.0/CompanyNotes/query", map[string]any{"filter": []Filter{Exist("contactID")}, "MaxRecords": 1})
	if err == nil && len(sample.Items) > 0 {
		var keys map[string]json.RawMessage
		json.Unmarshal(sample.Items[0], &keys)
		_, n1 := keys["name"]
		_, n2 := keys["note"]
		if !n1 || !n2 {
			v = Fails
		}
		detail += fmt.Sprintf("; a contact's note has name: %v, note: %v", n1, n2)
	}
	p.add("A4", "CompanyNotes have name (128) and note (32000)", v, "%s", detail)
}

func lengthOf(ok bool, n int) string {
	if !ok {
		return "missing"
	}
	return fmt.Sprintf("string(%d)", n)
}

// timeOff: A10, what startTime and endTime mean (1 request).
func (p *prober) timeOff() {
	const what = "time-off startTime/endTime are UTC instants"
	ans, err := p.query("v1.0/TimeOffRequests/query", map[string]any{"filter": []Filter{Exist("startTime")}, "MaxRecords": 5})
	if err != nil {
		p.add("A10", what, Unsettled, "%v", err)
		return
	}
	if len(ans.Items) == 0 {
		p.add("A10", what, Unsettled, "no time-off request with a start time is visible (Proxy time entry setting, or none yet)")
		return
	}
	var samples []string
	crossesDate, dateOnly := false, true
	for _, raw := range ans.Items {
		var r struct {
			ID          int64   `json:"id"`
			RequestDate string  `json:"requestDate"`
			StartTime   string  `json:"startTime"`
			EndTime     string  `json:"endTime"`
			Hours       float64 `json:"hours"`
		}
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		rd, e1 := parseAT(r.RequestDate)
		st, e2 := parseAT(r.StartTime)
		et, e3 := parseAT(r.EndTime)
		if e1 != nil || e2 != nil || e3 != nil {
			continue
		}
		if !rd.Equal(rd.Truncate(24 * time.Hour)) {
			dateOnly = false
		}
		if st.Format("2006-01-02") != rd.Format("2006-01-02") {
			crossesDate = true
		}
		if len(samples) < 2 {
			samples = append(samples, fmt.Sprintf("#%d for %s: %s–%s UTC, %.2f h", r.ID, rd.Format("2006-01-02"),
				st.Format("15:04"), et.Format("15:04"), r.Hours))
		}
	}
	if len(samples) == 0 {
		p.add("A10", what, Unsettled, "the requests did not decode")
		return
	}
	rd := "requestDate is date-only (midnight, not converted)"
	if !dateOnly {
		rd = "requestDate is not at midnight UTC (converted from a zone)"
	}
	if crossesDate {
		p.add("A10", what, Holds, "%s; a start falls on another day than its request date, as converted instants do; %s", rd, strings.Join(samples, "; "))
		return
	}
	zone := "utc"
	if p.c.timeOffZone != nil {
		zone = "local:" + p.c.timeOffZone.String()
	}
	p.add("A10", what, Unsettled, "%s; %s. psadav reads them as %s (--autotask-timeoff-times): if Autotask shows the technician these "+
		"very clock times, they are wall-clock times — set local:ZONE", rd, strings.Join(samples, "; "), zone)
}

func parseAT(s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

// apiUser: the API user's resource, which callouts exclude (1 request).
func (p *prober) apiUser() {
	id, err := p.c.APIResourceID(p.ctx)
	switch {
	case err != nil:
		p.add("A9", "the API user has a resource (callouts exclude it)", Unsettled, "%v", err)
	case id == 0:
		p.add("A9", "the API user has a resource (callouts exclude it)", Fails,
			"no resource with the API user's e-mail or user name: psadav's own writes as the API user will come back as webhook events")
	default:
		p.add("A9", "the API user has a resource (callouts exclude it)", Holds, "resource %d", id)
	}
}

// webhooks: whether contacts can be reported by webhook (1 request).
func (p *prober) webhooks() {
	info, err := p.c.EntityInfo(p.ctx, "Contacts")
	switch {
	case err != nil:
		p.add("A9", "contacts support webhooks", Unsettled, "%v", err)
	case !info.SupportsWebhookCallouts:
		p.add("A9", "contacts support webhooks", Fails, "Contacts/entityInformation says no: contacts arrive by polling only")
	default:
		note := "impersonated write-backs come back as the technician's events; psadav recognises and drops them"
		if !p.c.cfg.Impersonate {
			note = "write-backs are made as the API user, which the callouts exclude"
		}
		p.add("A9", "contacts support webhooks", Holds, "%s", note)
	}
}

// short is an error's message without the operation.
func short(err error) string {
	var e *backend.Error
	if errors.As(err, &e) {
		return fmt.Sprintf("HTTP %d: %s", e.Status, strings.Join(strings.Fields(e.Message), " "))
	}
	return err.Error()
}

// redactURL shows a next-page URL without its token.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i] + "?…"
	}
	return s
}
