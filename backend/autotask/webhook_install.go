package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// WebhookSetup says where Autotask should call psadav back.
type WebhookSetup struct {
	// BaseURL is psadav's public address (https://dav.example.com); the
	// callouts go to BaseURL/hooks/autotask/{contacts,companies}.
	BaseURL string
	Secret  string // the secret key deliveries are signed with
	// Email receives Autotask's notices about failing deliveries.
	Email string
	Name  string // callout names start with it; "psadav" when empty
}

// InstalledWebhook is one callout set up.
type InstalledWebhook struct {
	Entity       mapping.Entity
	ID           int64
	URL          string
	Fields       int   // fields subscribed
	ExcludedUser int64 // the API user's resource, 0 when not found
}

// HookPath is where psadav receives an entity's webhook deliveries.
func HookPath(e mapping.Entity) string { return "/hooks/autotask/" + strings.ToLower(string(e)) }

// DeactivationPath is where Autotask reports a callout it deactivated
// (registered as DeactivationURL, with its token).
const DeactivationPath = "/hooks/autotask/deactivated"

// InstallWebhooks sets up a callout for every entity Autotask can report
// by webhook (contacts and companies): subscribed to creates, updates and
// deletes, to the fields psadav maps (never a change stamp, which moves on
// every activity and would call psadav for nothing), and excluding changes
// made by the connector's own API user. A write-back made as a technician
// (impersonation) is that technician's change to Autotask and does come
// back; the hook handler recognises and drops those echoes (backend/syncer).
// A callout that would subscribe no field is removed and the install
// fails: Autotask never calls one (vendor page REST_WebhookFieldsEntity,
// docs/autotask.md A9). Callouts of the same name are replaced.
func (c *Connector) InstallWebhooks(ctx context.Context, setup WebhookSetup) ([]InstalledWebhook, error) {
	if setup.Name == "" {
		setup.Name = "psadav"
	}
	if setup.Secret == "" || setup.BaseURL == "" {
		return nil, fmt.Errorf("autotask: webhooks need psadav's public URL and a secret")
	}
	base := strings.TrimSuffix(setup.BaseURL, "/")
	if _, err := c.RemoveWebhooks(ctx, setup.Name); err != nil {
		return nil, err
	}
	apiUser, err := c.APIResourceID(ctx)
	if err != nil {
		return nil, err
	}
	var out []InstalledWebhook
	for _, s := range specs {
		if !s.plan.Webhooks {
			continue
		}
		w := InstalledWebhook{Entity: s.plan.Entity, URL: base + HookPath(s.plan.Entity), ExcludedUser: apiUser}
		body := map[string]any{
			"isActive": true, "name": setup.Name + " " + strings.ToLower(string(s.plan.Entity)),
			"webhookUrl": w.URL, "deactivationUrl": DeactivationURL(base, setup.Secret), "secretKey": setup.Secret,
			"isSubscribedToCreateEvents": true, "isSubscribedToUpdateEvents": true, "isSubscribedToDeleteEvents": true,
			"sendThresholdExceededNotification": true,
		}
		if setup.Email != "" {
			body["notificationEmailAddress"] = setup.Email
		}
		var ans struct {
			ItemID int64 `json:"itemId"`
		}
		if err := c.do(ctx, request{method: "POST", path: "v1.0/" + s.webhookEntity, body: body}, &ans); err != nil {
			return out, fmt.Errorf("creating the %s callout: %w", s.plan.Entity, err)
		}
		w.ID = ans.ItemID
		if w.Fields, err = c.subscribeFields(ctx, s, w.ID); err == nil && w.Fields == 0 {
			err = fmt.Errorf("the %s callout could not subscribe to any field psadav maps: Autotask offers none of them for webhooks, "+
				"and a callout without fields is never called; it was removed", s.plan.Entity)
		}
		if err != nil {
			if derr := c.do(ctx, request{method: "DELETE", path: fmt.Sprintf("v1.0/%s/%d", s.webhookEntity, w.ID)}, nil); derr != nil {
				err = fmt.Errorf("%w (removing it failed too: %v)", err, derr)
			}
			return out, err
		}
		if apiUser != 0 {
			excl := map[string]any{"webhookID": w.ID, "resourceID": apiUser}
			if err := c.do(ctx, request{method: "POST", path: fmt.Sprintf("v1.0/%s/%d/ExcludedResources", s.webhookEntity, w.ID), body: excl}, nil); err != nil {
				return out, fmt.Errorf("excluding the API user from the %s callout: %w", s.plan.Entity, err)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// subscribeFields subscribes a callout to every mirrored field Autotask
// supports for webhooks; the field ids come from the fieldID picklist of
// {Entity}WebhookFields.
func (c *Connector) subscribeFields(ctx context.Context, s entitySpec, id int64) (int, error) {
	fieldsEntity := strings.TrimSuffix(s.webhookEntity, "s") + "Fields" // ContactWebhooks → ContactWebhookFields
	info, err := c.Fields(ctx, fieldsEntity)
	if err != nil {
		return 0, fmt.Errorf("reading the %s webhook fields: %w", s.plan.Entity, err)
	}
	wanted := webhookFields(s)
	n := 0
	for _, f := range info {
		if !strings.EqualFold(f.Name, "fieldID") {
			continue
		}
		for _, v := range f.PicklistValues {
			if !wanted[strings.ToLower(v.Label)] {
				continue
			}
			body := map[string]any{"webhookID": id, "fieldID": asNumber(string(v.Value)), "isSubscribedField": true, "isDisplayAlwaysField": false}
			if err := c.do(ctx, request{method: "POST", path: fmt.Sprintf("v1.0/%s/%d/Fields", s.webhookEntity, id), body: body}, nil); err != nil {
				return n, fmt.Errorf("subscribing the %s callout to %s: %w", s.plan.Entity, v.Label, err)
			}
			n++
		}
	}
	return n, nil
}

// webhookFields are the fields a callout subscribes to, lower-cased: those
// psadav maps, without the change stamps and creation dates, which are
// not edits.
func webhookFields(s entitySpec) map[string]bool {
	out := mirroredFields(s.plan.Entity)
	for _, f := range s.stamps {
		delete(out, strings.ToLower(f))
	}
	for _, f := range []string{"createDate", "createDateTime", "lastModifiedDate", "lastActivityDate", "lastTrackedModifiedDateTime"} {
		delete(out, strings.ToLower(f))
	}
	return out
}

// mirroredFields are the fields of an entity's record, lower-cased.
func mirroredFields(e mapping.Entity) map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeOf(atjson.NewRecord(e)).Elem()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && name != "id" && name != "photo" {
			out[strings.ToLower(name)] = true
		}
	}
	return out
}

func asNumber(s string) any {
	var n int64
	if _, err := fmt.Sscan(s, &n); err == nil {
		return n
	}
	return s
}

// RemoveWebhooks deletes the callouts whose name starts with name.
func (c *Connector) RemoveWebhooks(ctx context.Context, name string) (int, error) {
	if name == "" {
		name = "psadav"
	}
	n := 0
	for _, s := range specs {
		if !s.plan.Webhooks {
			continue
		}
		var ids []int64
		err := c.Query(ctx, s.webhookEntity, []Filter{{Op: "beginsWith", Field: "name", Value: name}}, []string{"id"}, -1,
			func(items []json.RawMessage, _ int64) error {
				got, _ := itemIDs(items)
				ids = append(ids, got...)
				return nil
			})
		if err != nil {
			return n, fmt.Errorf("listing the %s callouts: %w", s.plan.Entity, err)
		}
		for _, id := range ids {
			if err := c.do(ctx, request{method: "DELETE", path: fmt.Sprintf("v1.0/%s/%d", s.webhookEntity, id)}, nil); err != nil {
				return n, fmt.Errorf("removing %s callout %d: %w", s.plan.Entity, id, err)
			}
			n++
		}
	}
	return n, nil
}

// APIResourceID finds the resource of the API user (by e-mail or user
// name); 0 when Autotask does not show it. A found id is remembered.
func (c *Connector) APIResourceID(ctx context.Context) (int64, error) {
	c.mu.Lock()
	known := c.apiResource
	c.mu.Unlock()
	if known != 0 {
		return known, nil
	}
	user := c.cfg.Username
	local, _, _ := strings.Cut(user, "@")
	var found int64
	err := c.Query(ctx, "Resources", []Filter{Or(Eq("email", user), Eq("userName", user), Eq("userName", local))}, []string{"id"}, -1,
		func(items []json.RawMessage, _ int64) error {
			if ids, _ := itemIDs(items); len(ids) > 0 && found == 0 {
				found = ids[0]
			}
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("finding the API user's resource: %w", err)
	}
	if found == 0 {
		c.log.Warn("the API user's resource was not found; webhooks will also report the connector's own writes")
	}
	c.mu.Lock()
	c.apiResource = found
	c.mu.Unlock()
	return found, nil
}
