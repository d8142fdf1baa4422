package dav

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"

	"github.com/psadav/psadav/storage"
)

// A REPORT is dispatched on its root element (reports); each report lives
// in a file of its own, the multigets in report_multiget.go.

// reportHandler serves one REPORT; body is the request body, already read.
type reportHandler func(s *Server, w http.ResponseWriter, r *http.Request, res resource, body []byte) error

// reports are the REPORTs served besides the multigets.
var reports = map[xml.Name]reportHandler{
	name(nsCalDAV, "calendar-query"):     serveCalendarQuery,
	name(nsCalDAV, "free-busy-query"):    serveFreeBusyQuery,
	name(nsCardDAV, "addressbook-query"): serveAddressbookQuery,
	name(nsDAV, "sync-collection"):       serveSyncCollection,
}

func (s *Server) serveReport(w http.ResponseWriter, r *http.Request, res resource) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestXML+1))
	if err != nil {
		return errStatus(http.StatusBadRequest, "reading the request body: %v", err)
	}
	root, err := rootElement(body)
	if err != nil {
		return err
	}
	noteReport(r, root)
	if isMultiget(root) {
		// The one report a client sends with thousands of hrefs
		// (report_body.go).
		rb := &requestBody{mem: body}
		if len(body) > maxRequestXML {
			if rb, err = s.spoolMultiget(r, res, body); err != nil {
				return err
			}
			defer rb.close()
		}
		return s.serveMultiget(w, r, res, rb)
	}
	if len(body) > maxRequestXML {
		return bodyTooLarge(maxRequestXML, "a REPORT body (other than a multiget) may have at most "+strconv.Itoa(maxRequestXML)+" bytes")
	}
	h := reports[root]
	if h == nil {
		return errCond(http.StatusForbidden, name(nsDAV, "supported-report"), "report %s %s is not supported", root.Space, root.Local)
	}
	return h(s, w, r, res, body)
}

// rootElement returns the name of a body's first element.
func rootElement(body []byte) (xml.Name, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.Name{}, errStatus(http.StatusBadRequest, "malformed XML request body: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, nil
		}
	}
}

// reportCollection is the requesting user and the collection a report
// goes to (ErrNotFound when the user has no such collection).
func (s *Server) reportCollection(r *http.Request, res resource) (*storage.Account, storage.Collection, error) {
	user := userFrom(r.Context())
	coll, err := s.store.UserCollection(r.Context(), user.ID, res.coll)
	return user, coll, err
}

// decodeBody decodes a report body into v.
func decodeBody(body []byte, v any) error {
	if err := xml.Unmarshal(body, v); err != nil {
		return errStatus(http.StatusBadRequest, "malformed XML request body: %v", err)
	}
	return nil
}

// reportProps turns a report's d:prop / d:allprop / d:propname into a request.
type reportPropsXML struct {
	Prop     *nameList `xml:"DAV: prop"`
	AllProp  *struct{} `xml:"DAV: allprop"`
	PropName *struct{} `xml:"DAV: propname"`
}

func (p reportPropsXML) request() propRequest {
	switch {
	case p.PropName != nil:
		return propRequest{propname: true}
	case p.Prop != nil:
		return propRequest{props: p.Prop.elems, selections: p.Prop.selections}
	}
	return propRequest{allprop: true}
}
