package dav

import (
	"net/http"
	"strings"
	"time"
)

// CalDAV filter elements (RFC 4791 §9.7) as a request carries them, and
// their checked form: names upper-cased, times parsed, collations chosen.
// A filter psadav cannot evaluate is refused with CALDAV:valid-filter or
// CALDAV:supported-collation, never ignored.

type timeRangeXML struct {
	Start string `xml:"start,attr"`
	End   string `xml:"end,attr"`
}

type paramFilterXML struct {
	Name         string        `xml:"name,attr"`
	IsNotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TextMatch    *textMatchXML `xml:"urn:ietf:params:xml:ns:caldav text-match"`
}

type propFilterXML struct {
	Name         string           `xml:"name,attr"`
	IsNotDefined *struct{}        `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange    *timeRangeXML    `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	TextMatch    *textMatchXML    `xml:"urn:ietf:params:xml:ns:caldav text-match"`
	Params       []paramFilterXML `xml:"urn:ietf:params:xml:ns:caldav param-filter"`
}

type compFilterXML struct {
	Name         string          `xml:"name,attr"`
	IsNotDefined *struct{}       `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange    *timeRangeXML   `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	Props        []propFilterXML `xml:"urn:ietf:params:xml:ns:caldav prop-filter"`
	Comps        []compFilterXML `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
}

// timeRange is a parsed time-range; zero bounds are open.
type timeRange struct{ start, end time.Time }

var condValidFilter = name(nsCalDAV, "valid-filter")

func (x *timeRangeXML) parse() (*timeRange, error) {
	if x == nil {
		return nil, nil
	}
	var tr timeRange
	var err error
	if x.Start == "" && x.End == "" {
		return nil, errCond(http.StatusBadRequest, condValidFilter, "a time-range needs a start or an end")
	}
	if tr.start, err = parseUTC(x.Start); err != nil {
		return nil, err
	}
	if tr.end, err = parseUTC(x.End); err != nil {
		return nil, err
	}
	if !tr.start.IsZero() && !tr.end.IsZero() && !tr.end.After(tr.start) {
		return nil, errCond(http.StatusBadRequest, condValidFilter, "a time-range must end after it starts")
	}
	return &tr, nil
}

// parseUTC reads a time-range bound: a UTC DATE-TIME (RFC 4791 §9.9).
func parseUTC(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("20060102T150405Z", strings.ToUpper(v))
	if err != nil {
		return time.Time{}, errCond(http.StatusBadRequest, condValidFilter, "time %q is not a UTC date-time like 20060102T150405Z", v)
	}
	return t, nil
}

// compFilter is a checked comp-filter.
type compFilter struct {
	name         string
	isNotDefined bool
	tr           *timeRange
	props        []propFilter
	comps        []compFilter
}

type propFilter struct {
	name         string
	isNotDefined bool
	tr           *timeRange
	text         *textMatch
	params       []paramFilter
}

type paramFilter struct {
	name         string
	isNotDefined bool
	text         *textMatch
}

func (x *compFilterXML) parse() (compFilter, error) {
	f := compFilter{name: strings.ToUpper(strings.TrimSpace(x.Name)), isNotDefined: x.IsNotDefined != nil}
	if f.name == "" {
		return f, errCond(http.StatusBadRequest, condValidFilter, "a comp-filter needs a name")
	}
	var err error
	if f.tr, err = x.TimeRange.parse(); err != nil {
		return f, err
	}
	for i := range x.Props {
		p, err := x.Props[i].parse()
		if err != nil {
			return f, err
		}
		f.props = append(f.props, p)
	}
	for i := range x.Comps {
		c, err := x.Comps[i].parse()
		if err != nil {
			return f, err
		}
		f.comps = append(f.comps, c)
	}
	return f, nil
}

func (x *propFilterXML) parse() (propFilter, error) {
	f := propFilter{name: strings.ToUpper(strings.TrimSpace(x.Name)), isNotDefined: x.IsNotDefined != nil}
	var err error
	if f.tr, err = x.TimeRange.parse(); err != nil {
		return f, err
	}
	if f.text, err = x.TextMatch.compile(nsCalDAV, "i;ascii-casemap"); err != nil {
		return f, err
	}
	for _, p := range x.Params {
		pf := paramFilter{name: strings.ToUpper(strings.TrimSpace(p.Name)), isNotDefined: p.IsNotDefined != nil}
		if pf.text, err = p.TextMatch.compile(nsCalDAV, "i;ascii-casemap"); err != nil {
			return f, err
		}
		f.params = append(f.params, pf)
	}
	return f, nil
}
