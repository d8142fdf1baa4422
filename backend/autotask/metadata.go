package autotask

import (
	"context"
	"errors"
	"fmt"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// entityInfo is the answer of {Entity}/entityInformation.
type entityInfo struct {
	Name                    string `json:"name"`
	CanCreate               bool   `json:"canCreate"`
	CanDelete               bool   `json:"canDelete"`
	CanQuery                bool   `json:"canQuery"`
	CanUpdate               bool   `json:"canUpdate"`
	HasUserDefinedFields    bool   `json:"hasUserDefinedFields"`
	SupportsWebhookCallouts bool   `json:"supportsWebhookCallouts"`
}

// EntityInfo reads what Autotask says about an entity.
func (c *Client) EntityInfo(ctx context.Context, entity string) (entityInfo, error) {
	var ans struct {
		Info entityInfo `json:"info"`
	}
	err := c.do(ctx, request{method: "GET", path: "v1.0/" + entity + "/entityInformation"}, &ans)
	return ans.Info, err
}

// Fields reads an entity's field metadata.
func (c *Client) Fields(ctx context.Context, entity string) ([]atjson.Field, error) {
	var ans struct {
		Fields []atjson.Field `json:"fields"`
	}
	err := c.do(ctx, request{method: "GET", path: "v1.0/" + entity + "/entityInformation/fields"}, &ans)
	return ans.Fields, err
}

// Describe reads the field metadata (lengths, required flags, picklists)
// of each entity: one request per entity. What could be read is returned
// even when some entity failed; the error names those. (What the API user
// may do is Check's business: entityInformation costs a request more.)
func (c *Connector) Describe(ctx context.Context, entities []mapping.Entity) ([]backend.EntityMeta, error) {
	var out []backend.EntityMeta
	var errs []error
	for _, e := range entities {
		fields, err := c.Fields(ctx, string(e))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s fields: %w", e, err))
			continue
		}
		m := backend.EntityMeta{Entity: e, Picklists: map[string][]mapping.PicklistValue{}}
		for i := range fields {
			f := &fields[i]
			if f.Name == "" {
				continue
			}
			m.Fields = append(m.Fields, f.Info())
			if !f.IsPickList {
				continue
			}
			values := make([]mapping.PicklistValue, 0, len(f.PicklistValues))
			for j := range f.PicklistValues {
				if f.PicklistValues[j].Value != "" {
					values = append(values, f.PicklistValues[j].Picklist())
				}
			}
			m.Picklists[f.Name] = values
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}
