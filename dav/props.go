package dav

import (
	"context"
	"encoding/xml"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psadav/psadav/storage"
)

// propFunc renders a property's inner XML when it is asked for.
type propFunc func(req xml.StartElement) (string, error)

// propSet is the properties one resource has, in the order they were
// added. A resource has a dozen at most, so a slice searched in order
// beats maps (this is built for every member of a listing).
type propSet struct {
	props []setProp
}

type setProp struct {
	name   xml.Name
	f      propFunc
	onlyOn bool   // left out of allprop: expensive, or only meaningful when asked
	lang   string // xml:lang of a dead property
}

func newPropSet() *propSet { return &propSet{props: make([]setProp, 0, 10)} }

func (p *propSet) find(n xml.Name) *setProp {
	for i := range p.props {
		if p.props[i].name == n {
			return &p.props[i]
		}
	}
	return nil
}

func (p *propSet) add(n xml.Name, f propFunc) {
	if sp := p.find(n); sp != nil {
		sp.f = f
		return
	}
	p.props = append(p.props, setProp{name: n, f: f})
}

func (p *propSet) text(n xml.Name, v string) {
	p.add(n, func(xml.StartElement) (string, error) { return escapeText(v), nil })
}

func (p *propSet) xml(n xml.Name, inner string) {
	p.add(n, func(xml.StartElement) (string, error) { return inner, nil })
}

func (p *propSet) addOnRequest(n xml.Name, f propFunc) {
	p.add(n, f)
	p.setOnlyOnRequest(n)
}

// setOnlyOnRequest leaves a property out of allprop answers.
func (p *propSet) setOnlyOnRequest(n xml.Name) {
	if sp := p.find(n); sp != nil {
		sp.onlyOn = true
	}
}

func (p *propSet) values(req *propRequest) []propValue { return answerProps(p, req) }

func (p *propSet) propNames() iter.Seq2[xml.Name, bool] {
	return func(yield func(xml.Name, bool) bool) {
		for _, sp := range p.props {
			if !yield(sp.name, sp.onlyOn) {
				return
			}
		}
	}
}

func (p *propSet) propValue(e xml.StartElement) (propValue, bool) {
	sp := p.find(e.Name)
	if sp == nil {
		return propValue{}, false
	}
	v, err := sp.f(e)
	if err != nil {
		return propValue{name: e.Name, status: http.StatusInternalServerError}, true
	}
	return propValue{name: e.Name, inner: v, lang: sp.lang}, true
}

// propSource is a resource's properties as a request sees them: their
// names in order (each saying whether allprop leaves it out) and the
// value of one.
type propSource interface {
	propNames() iter.Seq2[xml.Name, bool]
	propValue(e xml.StartElement) (propValue, bool)
}

// answerProps answers a property request against a resource's properties.
func answerProps(src propSource, req *propRequest) []propValue {
	get := func(e xml.StartElement) propValue {
		if v, ok := src.propValue(e); ok {
			return v
		}
		return propValue{name: e.Name, status: http.StatusNotFound}
	}
	var out []propValue
	switch {
	case req.propname:
		for n := range src.propNames() {
			out = append(out, propValue{name: n})
		}
	case req.allprop:
		for n, onlyOn := range src.propNames() {
			if !onlyOn {
				out = append(out, get(xml.StartElement{Name: n}))
			}
		}
		// d:include adds what allprop leaves out (RFC 4918 §14.8).
		for _, e := range req.include {
			for n, onlyOn := range src.propNames() {
				if n == e.Name && onlyOn {
					out = append(out, get(e))
				}
			}
		}
	default:
		out = make([]propValue, 0, len(req.props))
		for _, e := range req.props {
			out = append(out, get(e))
		}
	}
	return out
}

// deadProps layers the properties a user set with PROPPATCH over the live ones.
func (s *Server) deadProps(ctx context.Context, ps *propSet, userID int64, resource string) error {
	props, err := s.store.Props(ctx, userID, resource)
	if err != nil {
		return err
	}
	for _, p := range props {
		n := name(p.NS, p.Name)
		ps.xml(n, p.Value)
		ps.find(n).lang = p.Lang
	}
	return nil
}

var (
	pResourceType       = name(nsDAV, "resourcetype")
	pDisplayName        = name(nsDAV, "displayname")
	pCurrentPrincipal   = name(nsDAV, "current-user-principal")
	pPrincipalURL       = name(nsDAV, "principal-URL")
	pPrincipalColls     = name(nsDAV, "principal-collection-set")
	pOwner              = name(nsDAV, "owner")
	pPrivileges         = name(nsDAV, "current-user-privilege-set")
	pSupportedReports   = name(nsDAV, "supported-report-set")
	pSyncToken          = name(nsDAV, "sync-token")
	pGetETag            = name(nsDAV, "getetag")
	pGetContentType     = name(nsDAV, "getcontenttype")
	pGetContentLength   = name(nsDAV, "getcontentlength")
	pGetLastModified    = name(nsDAV, "getlastmodified")
	pCTag               = name(nsCS, "getctag")
	pAddressHomeSet     = name(nsCardDAV, "addressbook-home-set")
	pCalendarHomeSet    = name(nsCalDAV, "calendar-home-set")
	pCalUserAddressSet  = name(nsCalDAV, "calendar-user-address-set")
	pCalUserType        = name(nsCalDAV, "calendar-user-type")
	pCompSet            = name(nsCalDAV, "supported-calendar-component-set")
	pCalendarData       = name(nsCalDAV, "calendar-data")
	pAddressData        = name(nsCardDAV, "address-data")
	pSupportedCalData   = name(nsCalDAV, "supported-calendar-data")
	pSupportedAddrData  = name(nsCardDAV, "supported-address-data")
	pCalMaxSize         = name(nsCalDAV, "max-resource-size")
	pCardMaxSize        = name(nsCardDAV, "max-resource-size")
	pCalDescription     = name(nsCalDAV, "calendar-description")
	pBookDescription    = name(nsCardDAV, "addressbook-description")
	pCalendarColor      = name(nsApple, "calendar-color")
	pCalendarOrder      = name(nsApple, "calendar-order")
	pScheduleTransp     = name(nsCalDAV, "schedule-calendar-transp")
	pMaxResourceSizeDAV = name(nsDAV, "max-resource-size")
)

func (s *Server) rootProps(ctx context.Context, user *storage.Account, res resource) *propSet {
	ps := newPropSet()
	ps.xml(pResourceType, "<d:collection/>")
	ps.text(pDisplayName, "psadav")
	ps.xml(pCurrentPrincipal, hrefElem(principalPath(user.Login)))
	ps.xml(pPrincipalColls, hrefElem(prefix+"principals/"))
	ps.xml(pPrivileges, privilegesReadOnly)
	return ps
}

func (s *Server) propsFor(ctx context.Context, user *storage.Account, res resource) (*propSet, error) {
	switch res.kind {
	case resPrincipal:
		return s.principalProps(ctx, user)
	case resAddressHome, resCalendarHome:
		return s.homeProps(ctx, user, res.home)
	}
	return s.rootProps(ctx, user, res), nil
}

func (s *Server) principalProps(ctx context.Context, user *storage.Account) (*propSet, error) {
	info, err := s.store.PrincipalInfo(ctx, *user)
	if err != nil {
		return nil, err
	}
	ps := newPropSet()
	self := principalPath(user.Login)
	ps.xml(pResourceType, "<d:collection/><d:principal/>")
	ps.text(pDisplayName, info.DisplayName)
	ps.xml(pCurrentPrincipal, hrefElem(self))
	ps.xml(pPrincipalURL, hrefElem(self))
	ps.xml(pPrincipalColls, hrefElem(prefix+"principals/"))
	ps.xml(pOwner, hrefElem(self))
	ps.xml(pAddressHomeSet, hrefElem(homePath(homeAddress, user.Login)))
	ps.xml(pCalendarHomeSet, hrefElem(homePath(homeCalendar, user.Login)))
	addrs := ""
	if info.Email != "" {
		addrs += hrefElem("mailto:" + info.Email)
	}
	addrs += hrefElem(self)
	ps.xml(pCalUserAddressSet, addrs)
	ps.text(pCalUserType, "INDIVIDUAL")
	ps.xml(pPrivileges, privilegesPropertiesOnly)
	ps.xml(pSupportedReports, "")
	return ps, s.deadProps(ctx, ps, user.ID, "principal")
}

func (s *Server) homeProps(ctx context.Context, user *storage.Account, h homeKind) (*propSet, error) {
	ps := newPropSet()
	ps.xml(pResourceType, "<d:collection/>")
	if h == homeAddress {
		ps.text(pDisplayName, "Address books")
	} else {
		ps.text(pDisplayName, "Calendars")
	}
	ps.xml(pCurrentPrincipal, hrefElem(principalPath(user.Login)))
	ps.xml(pOwner, hrefElem(principalPath(user.Login)))
	ps.xml(pPrivileges, privilegesPropertiesOnly)
	ps.xml(pSupportedReports, "")
	return ps, s.deadProps(ctx, ps, user.ID, homeSegment(h))
}

// collection names shown before a user renames them.
var defaultNames = map[string]string{
	storage.CollContacts:    "PSA contacts",
	storage.CollAllContacts: "All PSA contacts",
	storage.CollCalendar:    "PSA calendar",
	storage.CollTasks:       "PSA tasks",
}

var defaultColors = map[string]string{
	storage.CollCalendar: "#1565C0FF",
	storage.CollTasks:    "#EF6C00FF",
}

// SyncTokenURI formats a sync token; tokens are URIs (RFC 6578 §6.2).
func SyncTokenURI(seq int64) string { return "http://psadav.org/ns/sync/" + strconv.FormatInt(seq, 10) }

// parseSyncToken reads a token SyncTokenURI made.
func parseSyncToken(tok string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(tok), "http://psadav.org/ns/sync/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n >= 0
}

func (s *Server) collectionProps(ctx context.Context, user *storage.Account, c storage.Collection) (*propSet, error) {
	ps := newPropSet()
	card := homeOf(c.Name) == homeAddress
	if card {
		ps.xml(pResourceType, "<d:collection/><card:addressbook/>")
	} else {
		ps.xml(pResourceType, "<d:collection/><cal:calendar/>")
	}
	ps.text(pDisplayName, defaultNames[c.Name])
	ps.xml(pCurrentPrincipal, hrefElem(principalPath(user.Login)))
	ps.xml(pOwner, hrefElem(principalPath(user.Login)))
	ps.xml(pPrivileges, collectionPrivileges(c, user))
	var token *int64
	state := func(xml.StartElement) (int64, error) {
		if token == nil {
			t, err := s.store.SyncToken(ctx, c)
			if err != nil {
				return 0, err
			}
			token = &t
		}
		return *token, nil
	}
	ps.add(pCTag, func(e xml.StartElement) (string, error) {
		t, err := state(e)
		return strconv.FormatInt(t, 10), err
	})
	ps.add(pSyncToken, func(e xml.StartElement) (string, error) {
		t, err := state(e)
		return escapeText(SyncTokenURI(t)), err
	})
	size := strconv.FormatInt(s.maxBody, 10)
	if card {
		ps.xml(pSupportedReports, supportedReports("card:addressbook-multiget", "card:addressbook-query", "d:sync-collection"))
		ps.xml(pSupportedAddrData, `<card:address-data-type content-type="text/vcard" version="3.0"/>`+
			`<card:address-data-type content-type="text/vcard" version="4.0"/>`)
		ps.text(pCardMaxSize, size)
		ps.text(pBookDescription, "")
	} else {
		ps.xml(pSupportedReports, supportedReports("cal:calendar-multiget", "cal:calendar-query", "cal:free-busy-query", "d:sync-collection"))
		comp := "VEVENT"
		if c.Name == storage.CollTasks {
			comp = "VTODO"
		}
		ps.xml(pCompSet, `<cal:comp name="`+comp+`"/>`)
		ps.xml(pSupportedCalData, `<cal:calendar-data content-type="text/calendar" version="2.0"/>`)
		ps.text(pCalMaxSize, size)
		ps.text(pCalDescription, "")
		ps.text(pCalendarColor, defaultColors[c.Name])
		ps.xml(pScheduleTransp, "<cal:opaque/>")
	}
	ps.text(pMaxResourceSizeDAV, size)
	ps.setOnlyOnRequest(pMaxResourceSizeDAV)
	return ps, s.deadProps(ctx, ps, user.ID, c.Name)
}

func supportedReports(reports ...string) string {
	var b strings.Builder
	for _, r := range reports {
		b.WriteString("<d:supported-report><d:report><" + r + "/></d:report></d:supported-report>")
	}
	return b.String()
}

// contentType is an object's media type.
func contentType(comp string) string {
	switch comp {
	case "VCARD":
		return "text/vcard; charset=utf-8"
	case "VEVENT", "VTODO":
		return "text/calendar; charset=utf-8; component=" + comp
	}
	return "application/octet-stream"
}

func quoteETag(etag string) string { return `"` + etag + `"` }

// needsData reports whether a request asks for object bodies.
func needsData(req *propRequest) bool {
	_, card := req.wants(pAddressData)
	_, cal := req.wants(pCalendarData)
	return card || cal
}

// writeMembers streams a collection's members. Listings that do not ask for
// object data read only the index; those that do read bodies in batches.
func (s *Server) writeMembers(ctx context.Context, ms *multistatus, req *propRequest, login string, c storage.Collection) error {
	if !needsData(req) {
		return s.store.ListObjects(ctx, c.ID, func(o storage.ObjectInfo) error {
			ms.response(objectPath(login, c.Name, o.Href), objectProps(o, c, nil).values(req))
			return nil
		})
	}
	return s.eachMember(ctx, c.ID, func(o *storage.Object) error {
		ms.response(objectPath(login, c.Name, o.Href), objectProps(o.ObjectInfo, c, o.Body).values(req))
		return nil
	})
}

// errStopMembers ends an eachMember walk early without an error.
var errStopMembers = errors.New("stop")

// eachMember calls fn with every live member of a collection and its body,
// in href order: the index is listed first (no bodies), then bodies are
// read in batches, so memory stays bounded by a batch.
func (s *Server) eachMember(ctx context.Context, collectionID int64, fn func(*storage.Object) error) error {
	var hrefs []string
	if err := s.store.ListObjects(ctx, collectionID, func(o storage.ObjectInfo) error {
		hrefs = append(hrefs, o.Href)
		return nil
	}); err != nil {
		return err
	}
	for start := 0; start < len(hrefs); start += 200 {
		objs, err := s.store.GetObjects(ctx, collectionID, hrefs[start:min(start+200, len(hrefs))])
		if err != nil {
			return err
		}
		for i := range objs {
			if err := fn(&objs[i]); err != nil {
				if err == errStopMembers {
					return nil
				}
				return err
			}
		}
	}
	return nil
}

// httpTime formats a time for Last-Modified.
func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
