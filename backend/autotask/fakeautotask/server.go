package fakeautotask

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// child is an entity written through a parent's path
// (/Companies/{id}/Contacts), with the field that names the parent.
type child struct {
	entity, parentField string
}

var children = map[string]child{
	"companies/contacts": {"Contacts", "companyID"}, "companies/todos": {"CompanyToDos", "companyID"},
	"companies/locations": {"CompanyLocations", "companyID"}, "companies/notes": {"CompanyNotes", "companyID"},
	"resources/timeoffrequests": {"TimeOffRequests", "resourceID"},
	"servicecalls/tickets":      {"ServiceCallTickets", "serviceCallID"}, "servicecalls/tasks": {"ServiceCallTasks", "serviceCallID"},
	"servicecalltickets/resources":      {"ServiceCallTicketResources", "serviceCallTicketID"},
	"servicecalltasks/resources":        {"ServiceCallTaskResources", "serviceCallTaskID"},
	"contactwebhooks/fields":            {"ContactWebhooksFields", "webhookID"},
	"contactwebhooks/excludedresources": {"ContactWebhooksExcludedResources", "webhookID"},
	"companywebhooks/fields":            {"CompanyWebhooksFields", "webhookID"},
	"companywebhooks/excludedresources": {"CompanyWebhooksExcludedResources", "webhookID"},
}

// childOnly entities cannot be written at the root.
func childOnly(entity string) bool {
	for _, c := range children {
		if c.entity == entity {
			return true
		}
	}
	return false
}

// zonePath is a call to the zone's REST root. Paths are matched regardless
// of case: zoneInformation names the root in lower case, nextPageUrl in
// upper case (ATServicesRest/V1.0), and a real tenant answers both.
var zonePath = regexp.MustCompile(`(?i)^/zone(\d+)/atservicesrest/v1\.0/(.+)$`)

// answer is what a route returns: a JSON body, or raw bytes of another
// content type (an HTML error page).
type answer struct {
	status      int
	body        any
	header      http.Header
	raw         []byte
	contentType string
}

func errorAnswer(status int, msgs ...string) answer {
	return answer{status: status, body: map[string]any{"errors": msgs}}
}

func ok(body any) answer { return answer{status: http.StatusOK, body: body} }

// Handler serves the tenant's API.
func (t *Tenant) Handler() http.Handler { return http.HandlerFunc(t.serve) }

func (t *Tenant) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	t.mu.Lock()
	rec := Request{At: t.now(), Method: r.Method, Impersonate: r.Header.Get("ImpersonationResourceId"), Kind: "other"}
	a := t.route(r, body, &rec)
	rec.Status = a.status
	rec.Body = string(body)
	t.log = append(t.log, rec)
	t.mu.Unlock()
	for k, vs := range a.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if a.raw != nil {
		w.Header().Set("Content-Type", a.contentType)
		w.WriteHeader(a.status)
		w.Write(a.raw)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	if a.body != nil {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(a.body)
	}
}

// route answers one request; t.mu is held.
func (t *Tenant) route(r *http.Request, body []byte, rec *Request) answer {
	if strings.HasPrefix(strings.ToLower(r.URL.Path), "/atservicesrest/v1.0/zoneinformation") {
		rec.Endpoint, rec.Kind, rec.Path = "zoneInformation", "zone", "v1.0/zoneInformation"
		if r.URL.Query().Get("user") != t.opts.Username {
			return errorAnswer(http.StatusInternalServerError, "Zone information could not be determined")
		}
		return ok(map[string]any{"zoneName": "Fake Zone " + strconv.Itoa(t.zone), "url": t.zoneRoot(r),
			"webUrl": "http://" + r.Host + "/", "ci": t.zone})
	}
	m := zonePath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return errorAnswer(http.StatusNotFound, "no such resource")
	}
	rec.Path = "v1.0/" + m[2]
	segs := strings.Split(strings.Trim(m[2], "/"), "/")
	rec.Endpoint = t.entityName(segs[0])
	if m[1] != strconv.Itoa(t.zone) {
		return errorAnswer(http.StatusUnauthorized, "This database is not in this zone")
	}
	if r.Header.Get("UserName") != t.opts.Username || r.Header.Get("Secret") != t.opts.Secret ||
		r.Header.Get("ApiIntegrationCode") != t.opts.IntegrationCode {
		return errorAnswer(http.StatusUnauthorized, "Invalid credentials")
	}
	if t.outage != 0 {
		return answer{status: t.outage, body: map[string]any{"errors": []string{"Service Unavailable"}}}
	}
	if t.throttle > 0 {
		t.throttle--
		return answer{status: http.StatusTooManyRequests, body: map[string]any{"errors": []string{"Too many requests"}},
			header: http.Header{"Retry-After": {strconv.Itoa(t.retryIn)}}}
	}
	return t.dispatch(r, body, segs, rec)
}

func (t *Tenant) zoneRoot(r *http.Request) string {
	return "http://" + r.Host + "/zone" + strconv.Itoa(t.zone) + "/atservicesrest/"
}

// entityName finds the tenant's spelling of an entity (URLs ignore case).
func (t *Tenant) entityName(seg string) string {
	for name := range t.tables {
		if strings.EqualFold(name, seg) {
			return name
		}
	}
	if strings.EqualFold(seg, "ThresholdInformation") {
		return "ThresholdInformation"
	}
	return seg
}

func (t *Tenant) dispatch(r *http.Request, body []byte, segs []string, rec *Request) answer {
	entity := rec.Endpoint
	if entity == "ThresholdInformation" && len(segs) == 1 && r.Method == http.MethodGet {
		rec.Kind = "threshold"
		used := t.extUsage
		for _, q := range t.log {
			if rec.At.Sub(q.At) < 60*60e9 {
				used++
			}
		}
		return ok(map[string]any{"externalRequestThreshold": t.opts.Threshold, "requestThresholdTimeframe": 60,
			"currentTimeframeRequestCount": used + 1})
	}
	if strings.HasSuffix(entity, "WebhookFields") && len(segs) == 3 && strings.EqualFold(segs[1], "entityInformation") {
		rec.Kind = "fields"
		base := strings.TrimSuffix(entity, "WebhookFields")
		for _, e := range webhookEntities {
			if strings.EqualFold(e.singular, base) {
				rec.Endpoint = entity
				return ok(t.webhookFieldsAnswer(e.entity))
			}
		}
	}
	if _, known := t.tables[entity]; !known {
		return errorAnswer(http.StatusNotFound, "unknown entity "+segs[0])
	}
	if t.forbid[entity] && r.Method == http.MethodGet || t.forbid[entity] && len(segs) >= 2 && strings.EqualFold(segs[1], "query") {
		return errorAnswer(http.StatusForbidden, "The logged in Resource does not have the adequate permissions to query "+entity+".")
	}
	if len(segs) >= 2 && strings.EqualFold(segs[1], "entityInformation") {
		if len(segs) == 3 && strings.EqualFold(segs[2], "fields") {
			rec.Kind = "fields"
			return ok(t.fieldsAnswer(entity))
		}
		rec.Kind = "info"
		return ok(t.infoAnswer(entity))
	}
	if len(segs) >= 2 && strings.EqualFold(segs[1], "query") {
		return t.serveQuery(r, body, entity, segs[2:], rec)
	}
	switch len(segs) {
	case 1:
		if childOnly(entity) {
			return errorAnswer(http.StatusMethodNotAllowed, entity+" are written through their parent entity's URL")
		}
		return t.serveWrite(r, body, entity, "", 0, rec)
	case 2:
		id, err := strconv.ParseInt(segs[1], 10, 64)
		if err != nil {
			return errorAnswer(http.StatusNotFound, "no such resource")
		}
		switch r.Method {
		case http.MethodGet:
			rec.Kind = "get"
			if entity == "TimeOffRequests" && t.noProxy {
				return ok(map[string]any{"item": nil})
			}
			row, ok2 := t.tables[entity].rows[id]
			if !ok2 {
				return ok(map[string]any{"item": nil})
			}
			return ok(map[string]any{"item": project(row, nil)})
		case http.MethodDelete:
			if childOnly(entity) {
				return errorAnswer(http.StatusMethodNotAllowed, entity+" are deleted through their parent entity's URL")
			}
			rec.Kind = "delete"
			return t.remove(entity, id, t.actor(r))
		}
	case 3, 4:
		c, found := children[strings.ToLower(segs[0]+"/"+segs[2])]
		pid, err := strconv.ParseInt(segs[1], 10, 64)
		if !found || err != nil {
			return errorAnswer(http.StatusNotFound, "no such resource")
		}
		rec.Endpoint = c.entity
		if len(segs) == 3 {
			return t.serveWrite(r, body, c.entity, c.parentField, pid, rec)
		}
		id, err := strconv.ParseInt(segs[3], 10, 64)
		if err != nil || r.Method != http.MethodDelete {
			return errorAnswer(http.StatusMethodNotAllowed, "not supported")
		}
		rec.Kind = "delete"
		if row, ok2 := t.tables[c.entity].rows[id]; ok2 {
			if v, _ := get(row, c.parentField); fmt.Sprint(v) != itoa(pid) {
				return errorAnswer(http.StatusInternalServerError, fmt.Sprintf("%s %d does not belong to %s %d", c.entity, id, segs[0], pid))
			}
		}
		return t.remove(c.entity, id, t.actor(r))
	}
	return errorAnswer(http.StatusMethodNotAllowed, "not supported")
}

func (t *Tenant) serveQuery(r *http.Request, body []byte, entity string, rest []string, rec *Request) answer {
	next := len(rest) == 1 && strings.EqualFold(rest[0], "next")
	count := len(rest) == 1 && strings.EqualFold(rest[0], "count")
	switch {
	case next:
		rec.Kind = "next"
	case count:
		rec.Kind = "count"
	default:
		rec.Kind = "query"
	}
	var raw []byte
	switch {
	case next && r.Method != http.MethodPost:
		// The next page of a POST query is POSTed again with the query
		// body; a real tenant answers GET with 405 in ASP.NET's own
		// envelope (WYRE-AI/autotask-mcp PR #170; docs/autotask.md A1).
		return answer{status: http.StatusMethodNotAllowed,
			body: map[string]any{"Message": "The requested resource does not support http method '" + r.Method + "'."}}
	case r.Method == http.MethodPost:
		raw = body
	case r.Method == http.MethodGet:
		raw = []byte(r.URL.Query().Get("search"))
	default:
		return errorAnswer(http.StatusMethodNotAllowed, "queries are POST or GET")
	}
	s, err := parseSearch(raw)
	if err != nil {
		return errorAnswer(http.StatusInternalServerError, err.Error())
	}
	hidden := entity == "TimeOffRequests" && t.noProxy
	if count {
		items, _, err := t.runQuery(entity, s, -1<<62, 0)
		if err != nil {
			return errorAnswer(http.StatusInternalServerError, err.Error())
		}
		if hidden {
			items = nil
		}
		return ok(map[string]any{"queryCount": len(items)})
	}
	tok := pageToken{After: -1 << 62, PageSize: 500}
	if s.MaxRecords != nil {
		tok.PageSize = *s.MaxRecords
	}
	if next {
		if err := json.Unmarshal([]byte(r.URL.Query().Get("paging")), &tok); err != nil || tok.PageSize < 1 || tok.PageSize > 500 {
			return errorAnswer(http.StatusInternalServerError, "bad paging token")
		}
	} else if len(rest) != 0 {
		return errorAnswer(http.StatusNotFound, "no such resource")
	}
	items, more, err := t.runQuery(entity, s, tok.After, tok.PageSize)
	if err != nil {
		return errorAnswer(http.StatusInternalServerError, err.Error())
	}
	if hidden {
		items, more = nil, false
	}
	details := map[string]any{"count": len(items), "requestCount": tok.PageSize, "prevPageUrl": nil, "nextPageUrl": nil}
	zone := strconv.Itoa(t.zone)
	if next {
		details["prevPageUrl"] = pageURL(r.Host, zone, entity, pageToken{After: tok.After, PageSize: tok.PageSize})
	}
	if more {
		var last int64
		for _, it := range items {
			last = max(last, idOf(it))
		}
		details["nextPageUrl"] = pageURL(r.Host, zone, entity, pageToken{After: last, PageSize: tok.PageSize})
	}
	if items == nil {
		items = []map[string]any{}
	}
	return ok(map[string]any{"items": items, "pageDetails": details})
}

func (t *Tenant) serveWrite(r *http.Request, body []byte, entity, parentField string, parentID int64, rec *Request) answer {
	fields, err := decodeBody(body)
	if err != nil && r.Method != http.MethodDelete {
		return errorAnswer(http.StatusInternalServerError, err.Error())
	}
	if parentField != "" {
		fields[parentField] = json.Number(itoa(parentID))
	}
	as := r.Header.Get("ImpersonationResourceId")
	switch r.Method {
	case http.MethodPost:
		rec.Kind = "create"
		return t.create(entity, fields, as, t.actor(r))
	case http.MethodPatch:
		rec.Kind = "update"
		if t.htmlPatch404 {
			return htmlNotFound()
		}
		return t.update(entity, parentField, fields, as, t.actor(r))
	case http.MethodPut:
		rec.Kind = "update"
		return errorAnswer(http.StatusMethodNotAllowed, "psadav's fake tenant refuses PUT: it would null every field not sent")
	}
	return errorAnswer(http.StatusMethodNotAllowed, "not supported")
}

// htmlNotFound is how one zone answers a collection-level PATCH it does
// not route: IIS's HTML 404 page, not Autotask's JSON envelope, though
// the record exists (reported from a live tenant; docs/autotask.md A5).
func htmlNotFound() answer {
	return answer{status: http.StatusNotFound, contentType: "text/html",
		raw: []byte("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">\n<html><head><title>404 - File or directory not found.</title></head>" +
			"<body><div id=\"header\"><h1>Server Error</h1></div><div id=\"content\"><h2>404 - File or directory not found.</h2>" +
			"<h3>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</h3></div></body></html>\n")}
}

// actor is the resource a request acts as.
func (t *Tenant) actor(r *http.Request) int64 {
	if as, err := strconv.ParseInt(r.Header.Get("ImpersonationResourceId"), 10, 64); err == nil {
		return as
	}
	return t.opts.APIResourceID
}

func decodeBody(b []byte) (map[string]any, error) {
	out := map[string]any{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return out, nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %v", err)
	}
	return out, nil
}
