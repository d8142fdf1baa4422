package fakeautotask

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// fieldMeta is what the tenant knows of one field.
type fieldMeta struct {
	name     string
	kind     atjson.Kind
	length   int
	required bool
	readOnly bool
	picklist bool
}

type pickValue struct {
	Value string
	Label string
}

// stamps are the fields a write sets to the time of the change.
var stamps = map[string][]string{
	"Contacts":        {"lastModifiedDate", "lastActivityDate"},
	"Companies":       {"lastTrackedModifiedDateTime", "lastActivityDate"},
	"CompanyNotes":    {"lastModifiedDate"},
	"Opportunities":   {"lastActivity"},
	"Appointments":    {"updateDateTime"},
	"CompanyToDos":    {"lastModifiedDate"},
	"ServiceCalls":    {"lastModifiedDateTime"},
	"TimeOffRequests": {"lastModifiedDateTime"},
	"Tickets":         {"lastActivityDate"},
	"Tasks":           {"lastActivityDateTime"},
}

// created are the fields a create sets.
var created = map[string]string{
	"Contacts": "createDate", "Companies": "createDate", "CompanyNotes": "createDateTime", "Opportunities": "createDate",
	"Appointments": "createDateTime", "CompanyToDos": "createDateTime", "ServiceCalls": "createDateTime",
	"TimeOffRequests": "createDateTime",
}

// createOnly fields cannot change by update (docs/autotask.md A21).
var createOnly = map[string][]string{"Contacts": {"companyID"}}

// required are fields a tenant requires on create beyond those psadav's
// schema marks: a CompanyNote needs companyID, actionType,
// assignedResourceID, startDateTime and endDateTime (vendor page
// CompanyNotesEntity; ecitsolutions New-AtwsAccountNote; docs/autotask.md A4).
var required = map[string][]string{
	"CompanyNotes": {"companyID", "actionType", "assignedResourceID", "startDateTime", "endDateTime"},
}

// recordFields describes an entity's fields from psadav's record type, with
// the default lengths and required flags of one real tenant (so
// CompanyNotes have name (128) and note (32,000), docs/autotask.md A4).
func recordFields(e mapping.Entity) map[string]fieldMeta {
	sc := mapping.NewSchema()
	out := map[string]fieldMeta{}
	for _, f := range atjson.Spec(e).Fields {
		if f.Name == "photo" {
			continue
		}
		info, _ := sc.Field(e, f.Name)
		m := fieldMeta{name: f.Name, kind: f.Kind, length: info.Length, required: info.Required || slices.Contains(required[string(e)], f.Name)}
		if f.Name == "id" || f.Name == created[string(e)] {
			m.readOnly = true
		}
		for _, s := range stamps[string(e)] {
			if s == f.Name {
				m.readOnly = true
			}
		}
		out[strings.ToLower(f.Name)] = m
	}
	return out
}

// SetPicklist sets a picklist field's choices (codes and labels).
func (t *Tenant) SetPicklist(e mapping.Entity, field string, values []mapping.PicklistValue) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pick[string(e)] == nil {
		t.pick[string(e)] = map[string][]pickValue{}
	}
	var vs []pickValue
	for _, v := range values {
		vs = append(vs, pickValue{Value: v.Value, Label: v.Label})
	}
	t.pick[string(e)][strings.ToLower(field)] = vs
	if m, ok := t.fields[string(e)][strings.ToLower(field)]; ok {
		m.picklist = true
		t.fields[string(e)][strings.ToLower(field)] = m
	}
}

// LimitWebhookFields makes only the named fields of an entity available
// to webhook callouts (isSupportedWebhookField varies by field; vendor
// page Webhooks_Creating); no names: all again.
func (t *Tenant) LimitWebhookFields(e mapping.Entity, names ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(names) == 0 {
		delete(t.hookFields, string(e))
		return
	}
	only := map[string]bool{}
	for _, n := range names {
		only[strings.ToLower(n)] = true
	}
	t.hookFields[string(e)] = only
}

// SetFieldLength changes a string field's limit (to provoke refusals).
func (t *Tenant) SetFieldLength(e mapping.Entity, field string, length int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.fields[string(e)][strings.ToLower(field)]
	m.length = length
	t.fields[string(e)][strings.ToLower(field)] = m
}

func dataType(k atjson.Kind) string {
	switch k {
	case atjson.KindInt:
		return "integer"
	case atjson.KindBool:
		return "boolean"
	case atjson.KindFloat:
		return "double"
	case atjson.KindTime:
		return "datetime"
	}
	return "string"
}

// fieldsAnswer is {Entity}/entityInformation/fields.
func (t *Tenant) fieldsAnswer(entity string) map[string]any {
	metas := t.fields[entity]
	names := make([]string, 0, len(metas))
	for k := range metas {
		names = append(names, k)
	}
	sort.Strings(names)
	var fields []map[string]any
	for _, k := range names {
		m := metas[k]
		f := map[string]any{
			"name": m.name, "dataType": dataType(m.kind), "length": m.length, "isRequired": m.required,
			"isReadOnly": m.readOnly, "isQueryable": true, "isReference": strings.HasSuffix(m.name, "ID") && m.name != "externalID",
			"referenceEntityType": "", "isPickList": m.picklist, "picklistValues": nil, "picklistParentValueField": "",
			"isSupportedWebhookField": isWebhookEntity(entity),
		}
		if m.picklist {
			var vs []map[string]any
			for i, v := range t.pick[entity][k] {
				vs = append(vs, map[string]any{"value": v.Value, "label": v.Label, "isDefaultValue": i == 0,
					"sortOrder": i + 1, "parentValue": "", "isActive": true, "isSystem": false})
			}
			f["picklistValues"] = vs
		}
		fields = append(fields, f)
	}
	return map[string]any{"fields": fields}
}

// webhookFieldsAnswer is {Entity}WebhookFields/entityInformation/fields:
// the fieldID picklist names the fields a callout can subscribe to.
func (t *Tenant) webhookFieldsAnswer(entity string) map[string]any {
	metas := t.fields[entity]
	names := make([]string, 0, len(metas))
	for _, m := range metas {
		if only := t.hookFields[entity]; only != nil && !only[strings.ToLower(m.name)] {
			continue // not isSupportedWebhookField in this tenant
		}
		names = append(names, m.name)
	}
	sort.Strings(names)
	var vs []map[string]any
	for i, n := range names {
		vs = append(vs, map[string]any{"value": strconv.Itoa(1000 + i), "label": n, "isActive": true, "sortOrder": i})
	}
	return map[string]any{"fields": []map[string]any{
		{"name": "id", "dataType": "long", "isReadOnly": true},
		{"name": "webhookID", "dataType": "integer", "isRequired": true},
		{"name": "fieldID", "dataType": "integer", "isRequired": true, "isPickList": true, "picklistValues": vs},
		{"name": "isDisplayAlwaysField", "dataType": "boolean"},
		{"name": "isSubscribedField", "dataType": "boolean"},
	}}
}

func (t *Tenant) infoAnswer(entity string) map[string]any {
	child := map[string]bool{"Contacts": true, "CompanyToDos": true, "CompanyLocations": true, "CompanyNotes": true, "TimeOffRequests": true}
	readOnly := map[string]bool{"Resources": true, "Countries": true, "Tickets": true, "Tasks": true}
	return map[string]any{"info": map[string]any{
		"name": entity, "canCreate": !readOnly[entity], "canUpdate": !readOnly[entity] || entity == "Resources",
		"canDelete": entity != "Companies" && !readOnly[entity], "canQuery": true, "hasUserDefinedFields": child[entity],
		"supportsWebhookCallouts": isWebhookEntity(entity),
	}}
}
