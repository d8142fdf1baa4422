package fakeautotask

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/mapping"
)

// webhookEntities are the callout entities and what they report.
var webhookEntities = []struct{ name, entity, singular string }{
	{"ContactWebhooks", "Contacts", "Contact"},
	{"CompanyWebhooks", "Companies", "Company"},
}

func isWebhookEntity(entity string) bool {
	for _, e := range webhookEntities {
		if e.entity == entity {
			return true
		}
	}
	return false
}

// webhook is one callout.
type webhook struct {
	id                     int64
	entity, singular, guid string
	url, secret            string
	deactivationURL        string
	active                 bool
	onCreate, onUpdate     bool
	onDelete               bool
	fields                 map[string]bool // subscribed, lower-case
	excluded               map[int64]bool
}

// hookFor returns what a create of a callout entity (or of its fields or
// excluded resources) must also do; nil for other entities.
func (t *Tenant) hookFor(entity string) func(row map[string]any) answer {
	for _, e := range webhookEntities {
		e := e
		switch entity {
		case e.name:
			return func(row map[string]any) answer {
				var b [16]byte
				rand.Read(b[:])
				h := &webhook{entity: e.entity, singular: e.singular, guid: hex.EncodeToString(b[:]),
					fields: map[string]bool{}, excluded: map[int64]bool{}}
				h.url, _ = row["webhookUrl"].(string)
				h.deactivationURL, _ = row["deactivationUrl"].(string)
				h.secret, _ = row["secretKey"].(string)
				h.active, _ = row["isActive"].(bool)
				h.onCreate, _ = row["isSubscribedToCreateEvents"].(bool)
				h.onUpdate, _ = row["isSubscribedToUpdateEvents"].(bool)
				h.onDelete, _ = row["isSubscribedToDeleteEvents"].(bool)
				if h.url == "" || h.secret == "" || h.deactivationURL == "" {
					return errorAnswer(http.StatusInternalServerError, "webhookUrl, deactivationUrl and secretKey are required")
				}
				delete(row, "secretKey") // never read back
				row["webhookGUID"], row["isReady"] = h.guid, true
				h.id = t.nextID
				t.hooks = append(t.hooks, h)
				return answer{}
			}
		case e.name + "Fields", e.name + "ExcludedResources":
			return func(row map[string]any) answer {
				h := t.hook(int64(mustNumber(row["webhookID"])))
				if h == nil {
					return errorAnswer(http.StatusInternalServerError, "Reference value on field: webhookID does not exist or is invalid.")
				}
				if strings.HasSuffix(entity, "Fields") {
					name := t.webhookFieldName(h.entity, int(mustNumber(row["fieldID"])))
					if name == "" {
						return errorAnswer(http.StatusInternalServerError, "fieldID is not a field of "+h.entity)
					}
					if sub, _ := row["isSubscribedField"].(bool); sub {
						h.fields[strings.ToLower(name)] = true
					}
					return answer{}
				}
				h.excluded[int64(mustNumber(row["resourceID"]))] = true
				return answer{}
			}
		}
	}
	return nil
}

func (t *Tenant) hook(id int64) *webhook {
	for _, h := range t.hooks {
		if h.id == id {
			return h
		}
	}
	return nil
}

func (t *Tenant) dropHook(id int64) {
	for i, h := range t.hooks {
		if h.id == id {
			t.hooks = append(t.hooks[:i], t.hooks[i+1:]...)
			return
		}
	}
}

// webhookFieldName resolves a fieldID of the webhook fields picklist.
func (t *Tenant) webhookFieldName(entity string, fieldID int) string {
	a := t.webhookFieldsAnswer(entity)
	for _, f := range a["fields"].([]map[string]any) {
		if f["name"] != "fieldID" {
			continue
		}
		for _, v := range f["picklistValues"].([]map[string]any) {
			if v["value"] == strconv.Itoa(fieldID) {
				return v["label"].(string)
			}
		}
	}
	return ""
}

// fire delivers an event to the callouts that want it, signed as Autotask
// signs: HMAC-SHA1 over the escaped body (autotask.Sign). t.mu is held;
// deliveries run in the background (WaitWebhooks waits for them).
func (t *Tenant) fire(entity, action string, id int64, changed []string, by int64) {
	for _, h := range t.hooks {
		// A callout without a subscribed field is never called (vendor page
		// REST_WebhookFieldsEntity); the excluded resources' changes do not
		// call it (REST_WebhookExcludedResourcesEntity); by is the resource
		// the change is attributed to — the impersonated one, if any
		// (docs/autotask.md A9).
		if h.entity != entity || !h.active || h.excluded[by] || len(h.fields) == 0 {
			continue
		}
		if (action == "Create" && !h.onCreate) || (action == "Update" && !h.onUpdate) || (action == "Delete" && !h.onDelete) {
			continue
		}
		fields := map[string]any{}
		row := t.tables[entity].rows[id]
		if action == "Update" {
			for _, f := range changed {
				if h.fields[strings.ToLower(f)] {
					fields[f] = row[f]
				}
			}
			if len(fields) == 0 {
				continue // no subscribed field changed
			}
		} else if action == "Create" {
			for f := range h.fields {
				if v, ok := get(row, f); ok {
					fields[canonical(row, f)] = v
				}
			}
		}
		t.seq++
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // Autotask sends & < > as they are and escapes only to sign
		enc.Encode(map[string]any{"Action": action, "Guid": h.guid, "EntityType": h.singular, "Id": id, "Fields": fields,
			"EventTime": t.now().Format(timeLayout), "SequenceNumber": t.seq, "PersonID": by})
		body := bytes.TrimSpace(buf.Bytes())
		t.deliver(h.url, body, autotask.Sign(h.secret, body))
	}
}

// DeactivateWebhooks deactivates every callout, as Autotask does after 25
// failed deliveries or when the resource that made it is deactivated, and
// notifies each deactivation URL. Autotask documents no signature for this
// notice, so none is sent.
func (t *Tenant) DeactivateWebhooks() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, h := range t.hooks {
		h.active = false
		body, _ := json.Marshal(map[string]any{"Guid": h.guid, "EntityType": h.singular, "IsActive": false})
		t.deliver(h.deactivationURL, body, "")
	}
}

func (t *Tenant) deliver(url string, body []byte, sig string) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		d := Delivery{URL: url, Body: string(body)}
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			if sig != "" {
				req.Header.Set(autotask.SignatureHeader, sig)
			}
			if resp, err := t.client.Do(req); err == nil {
				d.Status = resp.StatusCode
				resp.Body.Close()
			}
		}
		t.mu.Lock()
		t.sent = append(t.sent, d)
		t.mu.Unlock()
	}()
}

// WaitWebhooks waits until every delivery started so far has finished.
func (t *Tenant) WaitWebhooks() { t.wg.Wait() }

// Deliveries lists the webhook deliveries made so far.
func (t *Tenant) Deliveries() []Delivery {
	t.WaitWebhooks()
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Delivery(nil), t.sent...)
}

// WebhookFields lists the fields the entity's callouts subscribe to, sorted.
func (t *Tenant) WebhookFields(e mapping.Entity) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, h := range t.hooks {
		if h.entity == string(e) {
			for f := range h.fields {
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Webhooks describes the callouts set up, for tests and the command.
func (t *Tenant) Webhooks() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, h := range t.hooks {
		var excl []string
		for r := range h.excluded {
			excl = append(excl, itoa(r))
		}
		out = append(out, fmt.Sprintf("%s → %s (%d fields, excluding %s)", h.entity, h.url, len(h.fields), strings.Join(excl, ",")))
	}
	return out
}
