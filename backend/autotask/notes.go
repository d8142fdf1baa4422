package autotask

import (
	"context"
	"fmt"
	"strings"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
)

// A contact's journal entry is a CompanyNote: created through its company
// (POST /Companies/{companyID}/Notes) with the contact in contactID, its
// heading in name (128) and its text in note (32,000). Autotask requires
// companyID, actionType, assignedResourceID, startDateTime and endDateTime
// on create (vendor page CompanyNotesEntity; panoramicdata CompanyNoteModel;
// the ecitsolutions New-AtwsAccountNote parameters from a live tenant's
// field info; docs/autotask.md A4). An outbox entry need only carry
// companyID, contactID, name and note: prepareNote fills in the rest.

// noteDefaults are what a tenant's metadata says about CompanyNotes.
type noteDefaults struct {
	actionType int64 // the default of the actionType picklist, 0 when none
}

// prepareNote completes a CompanyNotes create: startDateTime and
// endDateTime now, assignedResourceID the technician the entry acts as (or
// the API user's resource), actionType the tenant's default. What the
// entry names itself is kept. The change's fields are copied, not changed.
func (c *Connector) prepareNote(ctx context.Context, ch backend.Change) (backend.Change, error) {
	fields := make(map[string]any, len(ch.Fields)+4)
	for k, v := range ch.Fields {
		fields[k] = v
	}
	has := func(name string) bool {
		for k, v := range fields {
			if strings.EqualFold(k, name) && v != nil && v != "" {
				return true
			}
		}
		return false
	}
	now := Time(c.cfg.Now())
	for _, f := range []string{"startDateTime", "endDateTime"} {
		if !has(f) {
			fields[f] = now
		}
	}
	if !has("assignedResourceID") {
		switch {
		case ch.AsResource != nil:
			fields["assignedResourceID"] = *ch.AsResource
		default:
			id, err := c.APIResourceID(ctx)
			if err != nil {
				return ch, err
			}
			if id == 0 {
				return ch, &backend.Error{Kind: backend.KindValidation, Field: "assignedResourceID", Op: "POST CompanyNotes",
					Message: "a journal entry needs the resource it is assigned to, and the API user's resource was not found"}
			}
			fields["assignedResourceID"] = id
		}
	}
	if !has("actionType") {
		d, err := c.noteDefaultsOf(ctx)
		if err != nil {
			return ch, err
		}
		if d.actionType == 0 {
			return ch, &backend.Error{Kind: backend.KindValidation, Field: "actionType", Op: "POST CompanyNotes",
				Message: "a journal entry needs an action type, and the tenant's CompanyNotes field metadata names no default one"}
		}
		fields["actionType"] = d.actionType
	}
	ch.Fields = fields
	return ch, nil
}

// noteDefaultsOf reads CompanyNotes' field metadata once (one request).
func (c *Connector) noteDefaultsOf(ctx context.Context) (noteDefaults, error) {
	c.mu.Lock()
	d := c.noteDefaults
	c.mu.Unlock()
	if d != nil {
		return *d, nil
	}
	fields, err := c.Fields(ctx, string(mapping.EntityCompanyNotes))
	if err != nil {
		return noteDefaults{}, fmt.Errorf("reading CompanyNotes field metadata: %w", err)
	}
	var out noteDefaults
	for i := range fields {
		if !strings.EqualFold(fields[i].Name, "actionType") {
			continue
		}
		for _, v := range fields[i].PicklistValues {
			if n, ok := asInt(asNumber(string(v.Value))); ok && v.IsDefaultValue && (v.IsActive || out.actionType == 0) {
				out.actionType = n
			}
		}
	}
	c.mu.Lock()
	c.noteDefaults = &out
	c.mu.Unlock()
	return out, nil
}
