package autotask

import (
	"fmt"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Time-off times. Autotask's REST API keeps every datetime in UTC, except
// date-only fields — those the UI gives no time for — which it stores
// unconverted, at midnight of the date (vendor page REST_API_Calls,
// "Timestamp format"). A TimeOffRequest's requestDate is such a field;
// whether startTime and endTime are UTC instants or the resource's wall
// clock is not documented (docs/autotask.md A10). psadav reads them as UTC
// unless told otherwise ("local:Europe/Berlin"); psadav autotask probe
// shows a tenant's own requests so an admin can tell which.

// parseTimeOffTimes reads the TimeOffTimes setting: nil for UTC.
func parseTimeOffTimes(v string) (*time.Location, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" || strings.EqualFold(v, "utc"):
		return nil, nil
	case strings.HasPrefix(strings.ToLower(v), "local:"):
		name := strings.TrimSpace(v[len("local:"):])
		loc, err := time.LoadLocation(name)
		if err != nil || name == "" {
			return nil, fmt.Errorf("autotask: time-off times %q: %q is not a time zone (want e.g. local:Europe/Berlin)", v, name)
		}
		return loc, nil
	}
	return nil, fmt.Errorf("autotask: time-off times must be utc or local:ZONE (e.g. local:America/New_York), not %q", v)
}

// wallClock reads a time Autotask sent as UTC as the wall clock of loc.
func wallClock(t time.Time, loc *time.Location) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UTC()
}

// adjustTimeOff applies the time-off setting to a decoded record.
func (c *Client) adjustTimeOff(rec any) {
	r, ok := rec.(*mapping.TimeOffRequest)
	if !ok || c.timeOffZone == nil {
		return
	}
	for _, p := range []**time.Time{&r.StartTime, &r.EndTime} {
		if *p != nil {
			t := wallClock(**p, c.timeOffZone)
			*p = &t
		}
	}
}
