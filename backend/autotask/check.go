package autotask

import (
	"context"
	"fmt"

	"github.com/psadav/psadav/backend"
	"github.com/psadav/psadav/mapping"
)

// CheckLevel grades one finding of Check.
type CheckLevel string

const (
	CheckOK   CheckLevel = "ok"
	CheckWarn CheckLevel = "warn"
	CheckFail CheckLevel = "FAIL"
)

// CheckItem is one finding of Check.
type CheckItem struct {
	Level  CheckLevel
	What   string
	Detail string
}

// writable lists the entities psadav writes back, with the capability it needs.
var writable = map[mapping.Entity]string{
	mapping.EntityContacts: "update", mapping.EntityCompanyToDos: "update", mapping.EntityAppointments: "update",
}

// Check verifies what the connector depends on: the zone, the
// credentials, that the API user can read every mirrored entity and write
// those psadav writes back, the API budget, webhook support, and that
// time-off requests are visible (an empty answer there usually means
// Autotask's "Proxy time entry" setting hides them, docs/autotask.md A15), and
// what its own answers settle of Probe's questions for free. It makes
// about 25 requests.
func (c *Connector) Check(ctx context.Context, window backend.Window) []CheckItem {
	var out []CheckItem
	add := func(l CheckLevel, what, format string, args ...any) {
		out = append(out, CheckItem{Level: l, What: what, Detail: fmt.Sprintf(format, args...)})
	}
	zone, err := c.Zone(ctx)
	if err != nil {
		add(CheckFail, "zone", "%v", err)
		return out
	}
	add(CheckOK, "zone", "%s at %s (web UI %s)", zone.ZoneName, zone.URL, zone.WebURL)
	b, err := c.Budget(ctx)
	if err != nil {
		add(CheckFail, "credentials", "%v", err)
		return out
	}
	add(CheckOK, "credentials", "accepted for %s", c.cfg.Username)
	level := CheckOK
	if b.Share() >= 0.5 {
		level = CheckWarn
	}
	add(level, "API budget", "%d of %d requests used in the current %s window (%.0f%%)", b.Used, b.Limit, b.Timeframe, 100*b.Share())
	resources := -1
	for _, s := range specs {
		e := s.plan.Entity
		q := backend.Query{Entity: e}
		if s.plan.Windowed() {
			q.Window = &window
		}
		if s.plan.Scoped() {
			q = backend.Query{Entity: e} // children are read by parent; count them all
		}
		n, err := c.QueryCount(ctx, string(e), s.queryFilters(q))
		switch {
		case err != nil:
			add(CheckFail, string(e), "cannot be read: %v", err)
			continue
		case e == mapping.EntityResources:
			resources = n
			add(CheckOK, string(e), "%d records readable", n)
		case e == mapping.EntityTimeOffRequests && n == 0:
			add(CheckWarn, string(e), "none visible in the sync window: probably a configuration problem, not an absence of time off — "+
				"Autotask shows the API time-off requests only when Admin > Features & Settings > Timesheets > \"Proxy time entry\" "+
				"is enabled (for timesheet approvers, or approvers and admins), and then only those the API user may approve")
		default:
			add(CheckOK, string(e), "%d records readable", n)
		}
		if need, ok := writable[e]; ok {
			info, err := c.EntityInfo(ctx, string(e))
			switch {
			case err != nil:
				add(CheckWarn, string(e), "entityInformation: %v", err)
			case !info.CanUpdate || !info.CanCreate:
				add(CheckWarn, string(e), "Autotask does not allow the API to %s it: write-backs will be refused", need)
			}
		}
		if s.plan.Webhooks {
			info, err := c.EntityInfo(ctx, string(e))
			if err == nil && !info.SupportsWebhookCallouts {
				add(CheckWarn, string(e), "no webhook support; changes arrive by polling only")
			}
		}
	}
	// Free of charge from the counts above: the API user is a resource, so
	// an always-true condition must count at least one (docs/autotask.md
	// A3; the next-page verb and the rest are autotask probe's).
	switch {
	case resources == 0:
		add(CheckFail, "query conditions", "the always-true condition id gte 0 counted no resources, though the API user is one: "+
			"reads would come back empty (run psadav autotask probe)")
	case resources > 0:
		add(CheckOK, "query conditions", "every query carries a condition (id gte 0 when it has none of its own); it counted %d resources", resources)
	}
	if c.cfg.Impersonate {
		add(CheckOK, "impersonation", "write-backs act as the technician (ImpersonationResourceId); refused ones fall back to the API user")
	}
	return out
}
