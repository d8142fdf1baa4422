package dav

import (
	"bytes"
	"net/http"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// calendar-query (RFC 4791 §7.8): the objects of a calendar collection
// that match a filter. The store's time bounds prefilter in SQL; each
// candidate is then parsed and matched exactly (calfilter.go), recurring
// objects instance by instance. calendar-data comes as stored, or with
// its instances expanded when the request asks (RFC 4791 §9.6.5).
// Floating times and dates are read in the user's zone, or in the zone
// the query names (RFC 4791 §9.8, RFC 7809 §5.2).

type calendarQueryXML struct {
	reportPropsXML
	Filter *struct {
		Comp *compFilterXML `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
	} `xml:"urn:ietf:params:xml:ns:caldav filter"`
	Timezone   *string `xml:"urn:ietf:params:xml:ns:caldav timezone"`
	TimezoneID *string `xml:"urn:ietf:params:xml:ns:caldav timezone-id"`
}

// floatingOffsets bounds how far a floating time read in one zone lies
// from the same wall clock read in another (UTC−12 to UTC+14).
const floatingOffsets = 26 * 60 * 60

// calendarDataXML finds the expand element of a requested calendar-data.
type calendarDataXML struct {
	Prop struct {
		Data *struct {
			Expand *timeRangeXML `xml:"urn:ietf:params:xml:ns:caldav expand"`
		} `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
	} `xml:"DAV: prop"`
}

func serveCalendarQuery(s *Server, w http.ResponseWriter, r *http.Request, res resource, body []byte) error {
	if res.kind != resCollection || res.home != homeCalendar {
		return errCond(http.StatusForbidden, name(nsDAV, "supported-report"), "calendar-query goes to a calendar collection")
	}
	var req calendarQueryXML
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	var data calendarDataXML
	if err := decodeBody(body, &data); err != nil {
		return err
	}
	var filter *compFilter
	if req.Filter != nil && req.Filter.Comp != nil {
		f, err := req.Filter.Comp.parse()
		if err != nil {
			return err
		}
		filter = &f
	}
	var expand *timeRange
	if data.Prop.Data != nil && data.Prop.Data.Expand != nil {
		tr, err := data.Prop.Data.Expand.parse()
		if err != nil {
			return err
		}
		expand = tr
	}
	zone, err := req.zone()
	if err != nil {
		return err
	}
	ctx := r.Context()
	user := userFrom(ctx)
	coll, err := s.store.UserCollection(ctx, user.ID, res.coll)
	if err != nil {
		return err
	}
	start, end := prefilterRange(filter)
	if zone != nil {
		// The stored bounds read floating times in the user's zone.
		start, end = widen(start, -floatingOffsets), widen(end, floatingOffsets)
	}
	objs, err := s.store.ObjectsInRange(ctx, coll.ID, start, end, true)
	if err != nil {
		return err
	}
	loc := userLocation(user)
	preq := req.request()
	if err := preq.checkDataFormats(); err != nil {
		return err
	}
	ms := startMultistatus(w, minimal(r))
	byBounds := eventRangeOnly(filter)
	for i := range objs {
		o := &objs[i]
		if byBounds != nil && expand == nil && zone == nil && singleEvent(o) {
			// The stored bounds are the event's DTSTART and DTEND: no need
			// to parse it to apply the time-range.
			if eventOverlaps(*o.TimeStart, *o.TimeEnd, byBounds) {
				ms.response(objectPath(user.Login, coll.Name, o.Href), objectProps(o.ObjectInfo, coll, o.Body).values(&preq))
			}
			continue
		}
		parsed, err := mapping.ParseCalendarObject(o.Body, loc)
		if err != nil {
			s.log.Warn("calendar-query: unreadable stored object", "href", o.Href, "err", err)
			continue
		}
		if zone != nil {
			parsed.ReadFloatingIn(*zone)
		}
		if filter != nil && !matchObject(*filter, parsed) {
			continue
		}
		ps := objectProps(o.ObjectInfo, coll, o.Body)
		if expand != nil {
			ps.expand = func() ([]byte, error) { return parsed.Expand(expand.start, expand.end) }
		}
		ms.response(objectPath(user.Login, coll.Name, o.Href), ps.values(&preq))
	}
	return ms.close()
}

// zone is the zone the query names for floating times, nil for none.
func (q *calendarQueryXML) zone() (*mapping.QueryZone, error) {
	switch {
	case q.Timezone != nil:
		z, err := mapping.ParseQueryZone([]byte(*q.Timezone))
		if err != nil {
			return nil, errCond(http.StatusForbidden, name(nsCalDAV, "valid-calendar-data"), "timezone: %v", err)
		}
		return &z, nil
	case q.TimezoneID != nil:
		loc, ok := mapping.LoadIANA(*q.TimezoneID)
		if !ok {
			return nil, errCond(http.StatusForbidden, name(nsCalDAV, "valid-timezone"), "timezone-id %q is not a time zone psadav knows", *q.TimezoneID)
		}
		z := mapping.QueryZoneOf(loc)
		return &z, nil
	}
	return nil, nil
}

// widen moves a prefilter bound (Unix seconds, 0: open) by d seconds.
func widen(bound, d int64) int64 {
	if bound == 0 {
		return 0
	}
	return max(bound+d, 1)
}

// prefilterRange is the time-range of the filter's VEVENT or VTODO in Unix
// seconds (0: open), widened by a second on each side: the store's bounds
// are a prefilter and RFC 4791 §9.9 includes some boundary instants.
func prefilterRange(f *compFilter) (int64, int64) {
	if f == nil {
		return 0, 0
	}
	for _, c := range f.comps {
		if c.tr == nil || c.isNotDefined {
			continue
		}
		var start, end int64
		if !c.tr.start.IsZero() {
			start = max(c.tr.start.Unix()-1, 1)
		}
		if !c.tr.end.IsZero() {
			end = c.tr.end.Unix() + 1
		}
		return start, end
	}
	return 0, 0
}

// eventRangeOnly returns the time-range of a filter that asks for nothing
// but VEVENTs in a time-range (what clients send for a date range), nil for
// any other filter.
func eventRangeOnly(f *compFilter) *timeRange {
	if f == nil || f.name != "VCALENDAR" || f.isNotDefined || f.tr != nil || len(f.props) != 0 || len(f.comps) != 1 {
		return nil
	}
	c := f.comps[0]
	if c.name != "VEVENT" || c.isNotDefined || c.tr == nil || len(c.props) != 0 || len(c.comps) != 0 {
		return nil
	}
	return c.tr
}

// singleEvent reports whether an object is one VEVENT with a DTEND and
// without recurrence, whose stored bounds are its DTSTART and DTEND.
func singleEvent(o *storage.Object) bool {
	if o.Comp != "VEVENT" || o.TimeStart == nil || o.TimeEnd == nil || !bytes.Contains(o.Body, []byte("\nDTEND")) {
		return false
	}
	for _, p := range [][]byte{[]byte("\nRRULE"), []byte("\nRDATE"), []byte("\nRECURRENCE-ID"), []byte("\nEXDATE")} {
		if bytes.Contains(o.Body, p) {
			return false
		}
	}
	return true
}

// eventOverlaps applies RFC 4791 §9.9 to an event with DTSTART start and
// DTEND end (Unix seconds): it overlaps [S, E) when start < E and end > S.
func eventOverlaps(start, end int64, tr *timeRange) bool {
	return (tr.end.IsZero() || start < tr.end.Unix()) && (tr.start.IsZero() || end > tr.start.Unix())
}

// userLocation is the user's zone: floating times in stored objects are
// read in it.
func userLocation(u *storage.Account) *time.Location {
	if loc, err := time.LoadLocation(u.Settings.TimeZone); err == nil && u.Settings.TimeZone != "" {
		return loc
	}
	return time.UTC
}
