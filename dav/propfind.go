package dav

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// propRequest is what a PROPFIND (or the d:prop of a REPORT) asks for.
type propRequest struct {
	allprop  bool
	propname bool
	props    []xml.StartElement // requested properties, with their attributes
	include  []xml.StartElement // allprop's d:include
	// selections are the parts of calendar-data or address-data asked
	// for, by property name (data_select.go); none: the whole object.
	selections map[xml.Name]*mapping.CompSelection
}

// wants reports whether a property was asked for by name.
func (p *propRequest) wants(n xml.Name) (xml.StartElement, bool) {
	for _, e := range p.props {
		if e.Name == n {
			return e, true
		}
	}
	for _, e := range p.include {
		if e.Name == n {
			return e, true
		}
	}
	return xml.StartElement{}, false
}

type propfindBody struct {
	XMLName  xml.Name  `xml:"DAV: propfind"`
	AllProp  *struct{} `xml:"DAV: allprop"`
	PropName *struct{} `xml:"DAV: propname"`
	Prop     *nameList `xml:"DAV: prop"`
	Include  *nameList `xml:"DAV: include"`
	Unknown  []struct {
		XMLName xml.Name
	} `xml:",any"`
}

// readXML decodes a bounded XML request body into v; io.EOF when empty.
func readXML(r *http.Request, v any) error {
	body := http.MaxBytesReader(nil, r.Body, maxRequestXML)
	dec := xml.NewDecoder(body)
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return bodyTooLarge(maxRequestXML, "a "+r.Method+" body may have at most "+strconv.Itoa(maxRequestXML)+" bytes")
	case err == io.EOF:
		return io.EOF
	case err != nil:
		return errStatus(http.StatusBadRequest, "malformed XML request body: %v", err)
	}
	return nil
}

func parsePropfind(r *http.Request) (propRequest, error) {
	var body propfindBody
	err := readXML(r, &body)
	if err == io.EOF {
		return propRequest{allprop: true}, nil // RFC 4918 §9.1: an empty body is allprop
	}
	if err != nil {
		return propRequest{}, err
	}
	if countTrue(body.AllProp != nil, body.PropName != nil, body.Prop != nil) > 1 {
		// RFC 4918 §14.20: propfind holds one of allprop, propname or prop.
		return propRequest{}, errStatus(http.StatusBadRequest, "a propfind holds one of allprop, propname and prop")
	}
	if body.AllProp == nil && body.PropName == nil && body.Prop == nil && len(body.Unknown) > 0 {
		// Only elements we do not know: not an empty propfind (allprop).
		return propRequest{}, errStatus(http.StatusBadRequest, "a propfind holds allprop, propname or prop")
	}
	var req propRequest
	switch {
	case body.PropName != nil:
		req.propname = true
	case body.Prop != nil:
		req.props = body.Prop.elems
	default:
		req.allprop = true
		if body.Include != nil {
			req.include = body.Include.elems
		}
	}
	return req, nil
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// depth reads the Depth header: 0, 1, or infinity (served as 1: members'
// members are never needed, and clients then ask collections one by one).
func depth(r *http.Request, def int) (int, error) {
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("Depth"))) {
	case "":
		return def, nil
	case "0":
		return 0, nil
	case "1", "infinity":
		return 1, nil
	}
	return 0, errStatus(http.StatusBadRequest, "Depth must be 0, 1 or infinity")
}

// minimal reports whether the client asked for a minimal answer (RFC 7240,
// and the older Brief: t that iOS sends).
func minimal(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "return=minimal") {
				return true
			}
		}
	}
	return strings.EqualFold(r.Header.Get("Brief"), "t")
}

// servePropfind answers a PROPFIND by the kind of resource asked about.
// Everything that can fail is resolved before the 207 goes out.
func (s *Server) servePropfind(w http.ResponseWriter, r *http.Request, res resource) error {
	d, err := depth(r, 1)
	if err != nil {
		return err
	}
	req, err := parsePropfind(r)
	if err != nil {
		return err
	}
	if err := req.checkDataFormats(); err != nil {
		return err
	}
	switch res.kind {
	case resCollection:
		return s.propfindCollection(w, r, res, d, &req)
	case resObject:
		return s.propfindObject(w, r, res, &req)
	case resPrincipal:
		return s.propfindPrincipal(w, r, res, &req)
	case resAddressHome, resCalendarHome:
		return s.propfindHome(w, r, res, d, &req)
	}
	return s.propfindRoot(w, r, res, d, &req)
}

// propfindCollection lists a collection and, at Depth 1, its members as
// the store's index reads them.
func (s *Server) propfindCollection(w http.ResponseWriter, r *http.Request, res resource, d int, req *propRequest) error {
	ctx := r.Context()
	user := userFrom(ctx)
	coll, err := s.store.UserCollection(ctx, user.ID, res.coll)
	if err != nil {
		return err
	}
	self, err := s.collectionProps(ctx, user, coll)
	if err != nil {
		return err
	}
	ms := startMultistatus(w, minimal(r))
	ms.response(res.path(), self.values(req))
	if d > 0 {
		// A listing is how ctag clients sync (the console's last sync).
		s.store.NoteClientSync(ctx, coll.ID, ClientFamily(r.UserAgent()))
		if err := s.writeMembers(ctx, ms, req, user.Login, coll); err != nil {
			return fmt.Errorf("listing members: %w", err) // the 207 is out: ServeHTTP cuts it
		}
	}
	return ms.close()
}

func (s *Server) propfindObject(w http.ResponseWriter, r *http.Request, res resource, req *propRequest) error {
	ctx := r.Context()
	user := userFrom(ctx)
	coll, err := s.store.UserCollection(ctx, user.ID, res.coll)
	if err != nil {
		return err
	}
	obj, err := s.store.GetObject(ctx, coll.ID, res.name)
	if err != nil {
		return err
	}
	ms := startMultistatus(w, minimal(r))
	ms.response(res.path(), objectProps(obj.ObjectInfo, coll, obj.Body).values(req))
	return ms.close()
}

func (s *Server) propfindPrincipal(w http.ResponseWriter, r *http.Request, res resource, req *propRequest) error {
	ps, err := s.principalProps(r.Context(), userFrom(r.Context()))
	if err != nil {
		return err
	}
	return writePropSets(w, r, req, propEntry{res.path(), ps})
}

// propfindHome lists a home and, at Depth 1, the user's collections in it.
func (s *Server) propfindHome(w http.ResponseWriter, r *http.Request, res resource, d int, req *propRequest) error {
	ctx := r.Context()
	user := userFrom(ctx)
	ps, err := s.homeProps(ctx, user, res.home)
	if err != nil {
		return err
	}
	entries := []propEntry{{res.path(), ps}}
	if d > 0 {
		colls, err := s.store.UserCollections(ctx, user.ID)
		if err != nil {
			return err
		}
		for _, c := range colls {
			if homeOf(c.Name) != res.home {
				continue
			}
			ps, err := s.collectionProps(ctx, user, c)
			if err != nil {
				return err
			}
			entries = append(entries, propEntry{collectionPath(user.Login, c.Name), ps})
		}
	}
	return writePropSets(w, r, req, entries...)
}

// propfindRoot lists the context path, the principals collection or a
// homes collection; at Depth 1 the latter two show the user's own member.
func (s *Server) propfindRoot(w http.ResponseWriter, r *http.Request, res resource, d int, req *propRequest) error {
	ctx := r.Context()
	user := userFrom(ctx)
	entries := []propEntry{{res.path(), s.rootProps(ctx, user, res)}}
	if d > 0 && res.kind != resRoot {
		child := resource{kind: resPrincipal, login: user.Login}
		if res.kind == resHomesRoot {
			child = resource{kind: homeResource(res.home), home: res.home, login: user.Login}
		}
		ps, err := s.propsFor(ctx, user, child)
		if err != nil {
			return err
		}
		entries = append(entries, propEntry{child.path(), ps})
	}
	return writePropSets(w, r, req, entries...)
}

// propEntry is one response of a PROPFIND whose properties were all
// worked out before the answer starts.
type propEntry struct {
	href  string
	props *propSet
}

func writePropSets(w http.ResponseWriter, r *http.Request, req *propRequest, entries ...propEntry) error {
	ms := startMultistatus(w, minimal(r))
	for _, e := range entries {
		ms.response(e.href, e.props.values(req))
	}
	return ms.close()
}
