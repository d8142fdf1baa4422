package fakeautotask

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// timeLayout is how the tenant writes datetimes (UTC, milliseconds).
const timeLayout = "2006-01-02T15:04:05.000Z"

// refusal checks a write against the tenant's rules; "" when it passes.
func (t *Tenant) refusal(entity, as string) (int, string) {
	if msg := t.deny[entity]; msg != "" {
		return http.StatusInternalServerError, msg
	}
	if as != "" && t.refuseAs {
		return http.StatusInternalServerError, "Impersonation of resource " + as + " is not allowed: its security level does not permit it"
	}
	return 0, ""
}

// clean checks and normalises a write's fields: known fields only, string
// lengths within the tenant's limits, datetimes in the tenant's format.
func (t *Tenant) clean(entity string, fields map[string]any) (map[string]any, []string) {
	metas := t.fields[entity]
	out := map[string]any{}
	var errs []string
	for k, v := range fields {
		if metas == nil {
			out[k] = v
			continue
		}
		m, ok := metas[strings.ToLower(k)]
		if !ok {
			errs = append(errs, fmt.Sprintf("Unknown field: %s", k))
			continue
		}
		if m.readOnly && m.name != "id" {
			continue
		}
		switch m.kind {
		case atjson.KindString:
			// Autotask counts UTF-16 code units (docs/autotask.md A24).
			if s, ok := v.(string); ok && m.length > 0 && mapping.PSALength(s) > m.length {
				errs = append(errs, fmt.Sprintf("Value for field %s exceeds the maximum length of %d characters.", m.name, m.length))
			}
		case atjson.KindTime:
			if s, ok := v.(string); ok {
				tm, err := atjson.ParseTime(s)
				if err != nil {
					errs = append(errs, fmt.Sprintf("Invalid date for field %s.", m.name))
					continue
				}
				v = tm.UTC().Format(timeLayout)
			}
		}
		out[m.name] = v
	}
	sort.Strings(errs)
	return out, errs
}

func (t *Tenant) create(entity string, fields map[string]any, as string, by int64) answer {
	if status, msg := t.refusal(entity, as); status != 0 {
		return errorAnswer(status, msg)
	}
	delete(fields, "id")
	row, errs := t.clean(entity, fields)
	for _, m := range t.fields[entity] {
		if v, ok := row[m.name]; m.required && (!ok || v == nil || v == "") {
			errs = append(errs, fmt.Sprintf("Missing required field: %s", m.name))
		}
	}
	if len(errs) > 0 {
		return errorAnswer(http.StatusInternalServerError, errs...)
	}
	if entity == "Contacts" {
		if _, ok := t.tables["Companies"].rows[int64(mustNumber(row["companyID"]))]; !ok {
			return errorAnswer(http.StatusInternalServerError, "Reference value on field: companyID of type: Company does not exist or is invalid.")
		}
	}
	if entity == "CompanyNotes" && !t.noteContactValid(row) {
		return errorAnswer(http.StatusInternalServerError, "Reference value on field: contactID of type: Contact does not exist or is invalid.")
	}
	t.nextID++
	id := t.nextID
	row["id"] = json.Number(itoa(id))
	now := t.now().Format(timeLayout)
	if c := created[entity]; c != "" {
		row[c] = now
	}
	for _, s := range stamps[entity] {
		row[s] = now
	}
	if hook := t.hookFor(entity); hook != nil {
		if a := hook(row); a.status != 0 {
			return a
		}
	}
	t.tables[entity].rows[id] = row
	t.fire(entity, "Create", id, nil, by)
	return ok(map[string]any{"itemId": id})
}

func mustNumber(v any) float64 {
	n, _ := number(v)
	return n
}

func (t *Tenant) update(entity, parentField string, fields map[string]any, as string, by int64) answer {
	if status, msg := t.refusal(entity, as); status != 0 {
		return errorAnswer(status, msg)
	}
	id := int64(mustNumber(fields["id"]))
	row, exists := t.tables[entity].rows[id]
	if !exists {
		return errorAnswer(http.StatusInternalServerError, fmt.Sprintf("No matching records found for %s id %d.", entity, id))
	}
	if parentField != "" {
		have, _ := get(row, parentField)
		if mustNumber(have) != mustNumber(fields[parentField]) {
			return errorAnswer(http.StatusInternalServerError, fmt.Sprintf("%s %d does not belong to parent %v", entity, id, fields[parentField]))
		}
		delete(fields, parentField)
	}
	delete(fields, "id")
	for _, f := range createOnly[entity] {
		if v, ok := fields[f]; ok {
			if have, _ := get(row, f); mustNumber(have) != mustNumber(v) {
				return errorAnswer(http.StatusInternalServerError, fmt.Sprintf("The field %s cannot be changed after the %s is created.", f, entity))
			}
		}
	}
	clean, errs := t.clean(entity, fields)
	if len(errs) > 0 {
		return errorAnswer(http.StatusInternalServerError, errs...)
	}
	var changed []string
	for k, v := range clean {
		if old, _ := get(row, k); fmt.Sprint(old) != fmt.Sprint(v) {
			changed = append(changed, k)
		}
		row[canonical(row, k)] = v
	}
	now := t.now().Format(timeLayout)
	for _, s := range stamps[entity] {
		row[s] = now
	}
	t.fire(entity, "Update", id, changed, by)
	return ok(map[string]any{"itemId": id})
}

func (t *Tenant) remove(entity string, id int64, by int64) answer {
	if status, msg := t.refusal(entity, ""); status != 0 {
		return errorAnswer(status, msg)
	}
	if _, ok := t.tables[entity].rows[id]; !ok {
		return errorAnswer(http.StatusInternalServerError, fmt.Sprintf("No matching records found for %s id %d.", entity, id))
	}
	delete(t.tables[entity].rows, id)
	if strings.HasSuffix(entity, "Webhooks") {
		t.dropHook(id)
	}
	t.fire(entity, "Delete", id, nil, by)
	return ok(map[string]any{"itemId": id})
}

// The test API: changes made "in the PSA's web UI" by a resource.

// Load adds records as they are (no stamps set, no webhooks).
func (t *Tenant) Load(e mapping.Entity, recs ...mapping.Record) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		row := toMap(r)
		delete(row, "photo")
		t.tables[string(e)].rows[idOf(row)] = row
	}
}

// Create adds a record as a user would; it returns the new id.
func (t *Tenant) Create(e mapping.Entity, fields map[string]any, by int64) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tables[string(e)] == nil {
		return 0, fmt.Errorf("fakeautotask: no entity %q", e)
	}
	a := t.create(string(e), toMap(fields), "", by)
	if a.status != http.StatusOK {
		return 0, fmt.Errorf("fakeautotask: create %s: %v", e, a.body)
	}
	return a.body.(map[string]any)["itemId"].(int64), nil
}

// Update changes a record as a user would: its stamps move and webhooks fire.
func (t *Tenant) Update(e mapping.Entity, id int64, fields map[string]any, by int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tables[string(e)] == nil {
		return fmt.Errorf("fakeautotask: no entity %q", e)
	}
	f := toMap(fields)
	f["id"] = json.Number(itoa(id))
	if row, ok := t.tables[string(e)].rows[id]; ok {
		for _, c := range createOnly[string(e)] {
			if _, set := f[c]; !set {
				f[c], _ = get(row, c)
			}
		}
	}
	if a := t.update(string(e), "", f, "", by); a.status != http.StatusOK {
		return fmt.Errorf("fakeautotask: update %s %d: %v", e, id, a.body)
	}
	return nil
}

// Delete removes a record as a user would.
func (t *Tenant) Delete(e mapping.Entity, id int64, by int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tables[string(e)] == nil {
		return fmt.Errorf("fakeautotask: no entity %q", e)
	}
	if a := t.remove(string(e), id, by); a.status != http.StatusOK {
		return fmt.Errorf("fakeautotask: delete %s %d: %v", e, id, a.body)
	}
	return nil
}

// Record returns a copy of a record, false when there is none.
func (t *Tenant) Record(e mapping.Entity, id int64) (map[string]any, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	row, ok := t.tables[string(e)].rows[id]
	if !ok {
		return nil, false
	}
	return project(row, nil), true
}

// Len counts an entity's records.
func (t *Tenant) Len(e mapping.Entity) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.tables[string(e)].rows)
}

// IDs lists an entity's record ids in order.
func (t *Tenant) IDs(e mapping.Entity) []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tables[string(e)].ids()
}

// noteContactValid checks a CompanyNote's contactID as Autotask does: an
// active contact of the note's company or of its parent company
// (docs/autotask.md A4). A note without a contact passes.
func (t *Tenant) noteContactValid(row map[string]any) bool {
	v, ok := get(row, "contactID")
	if !ok || v == nil {
		return true
	}
	c, ok := t.tables["Contacts"].rows[int64(mustNumber(v))]
	if !ok {
		return false
	}
	if active, _ := get(c, "isActive"); mustNumber(active) == 0 {
		return false
	}
	owner, _ := get(c, "companyID")
	company := mustNumber(row["companyID"])
	if mustNumber(owner) == company {
		return true
	}
	parent, _ := get(t.tables["Companies"].rows[int64(company)], "parentCompanyID")
	return parent != nil && mustNumber(parent) == mustNumber(owner)
}
