package autotask

import (
	"context"
	"fmt"
	"time"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
)

// refusalMemory is how long a refused impersonation is remembered per
// entity before it is tried again.
const refusalMemory = time.Hour

// Push sends one write-back: POST for a create (through the parent for
// child entities: /Companies/{companyID}/Contacts), PATCH with the id and
// only the changed fields for an update — never PUT, which would null
// every field not sent — and DELETE. With impersonation on, the write is
// made as the technician; if Autotask refuses that, as the API user.
func (c *Connector) Push(ctx context.Context, ch backend.Change) (backend.PushResult, error) {
	s, err := spec(ch.Entity)
	if err != nil {
		return backend.PushResult{}, err
	}
	if ch.Entity == mapping.EntityCompanyNotes && ch.Op == backend.OpCreate {
		if ch, err = c.prepareNote(ctx, ch); err != nil {
			return backend.PushResult{}, err
		}
	}
	method, path, body, err := s.write(ch)
	if err != nil {
		return backend.PushResult{}, err
	}
	as := ch.AsResource
	if !c.cfg.Impersonate || c.impersonationRefused(ch.Entity) {
		as = nil
	}
	res := backend.PushResult{ID: ch.ID}
	var ans struct {
		ItemID *int64 `json:"itemId"`
	}
	err = c.do(ctx, request{method: method, path: path, body: body, as: as}, &ans)
	if err != nil && as != nil && backend.KindOf(err) == backend.KindPermission {
		c.refuseImpersonation(ch.Entity)
		res.Note = fmt.Sprintf("acting as resource %d was refused (%v); written as the API user", *as, err)
		c.log.Warn("autotask refused impersonation; writing as the API user", "entity", ch.Entity, "resource", *as)
		as = nil
		err = c.do(ctx, request{method: method, path: path, body: body}, &ans)
	}
	if err != nil {
		return res, err
	}
	res.Impersonated = as != nil
	if ch.Op == backend.OpCreate {
		if ans.ItemID == nil {
			return res, &backend.Error{Kind: backend.KindTransient, Message: "the create was answered without itemId", Op: method + " " + string(ch.Entity)}
		}
		res.ID = *ans.ItemID
	}
	return res, nil
}

// write works out a change's verb, path and body.
func (s *entitySpec) write(ch backend.Change) (method, path string, body any, err error) {
	base := "v1.0/" + string(ch.Entity)
	if s.parentField != "" {
		parent, ok := parentID(ch, s.parentField)
		if !ok {
			return "", "", nil, &backend.Error{Kind: backend.KindValidation,
				Message: fmt.Sprintf("%s are written through their parent, but the change names no %s", ch.Entity, s.parentField)}
		}
		base = fmt.Sprintf("v1.0/%s/%d/%s", s.parentPath, parent, s.childPath)
	}
	fields := make(map[string]any, len(ch.Fields)+1)
	for k, v := range ch.Fields {
		if k != "id" {
			fields[k] = v
		}
	}
	switch ch.Op {
	case backend.OpCreate:
		return "POST", base, fields, nil
	case backend.OpUpdate:
		if len(fields) == 0 {
			return "", "", nil, &backend.Error{Kind: backend.KindValidation, Message: "an update without fields"}
		}
		fields["id"] = ch.ID
		return "PATCH", base, fields, nil
	case backend.OpDelete:
		return "DELETE", fmt.Sprintf("%s/%d", base, ch.ID), nil, nil
	}
	return "", "", nil, fmt.Errorf("autotask: unknown operation %v", ch.Op)
}

// parentID finds the parent of a child entity's write: in the change's
// fields (a create names it), else in the mirror's record.
func parentID(ch backend.Change, field string) (int64, bool) {
	if v, ok := ch.Fields[field]; ok {
		if n, ok := asInt(v); ok {
			return n, true
		}
	}
	return intField(ch.Entity, ch.Current, field)
}

func (c *Client) impersonationRefused(e mapping.Entity) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.refusals[string(e)]
	return ok && c.cfg.Now().Sub(at) < refusalMemory
}

func (c *Client) refuseImpersonation(e mapping.Entity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refusals[string(e)] = c.cfg.Now()
}
