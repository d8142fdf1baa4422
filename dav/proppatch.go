package dav

import (
	"encoding/xml"
	"io"
	"net/http"

	"github.com/psadav/psadav/storage"
)

// PROPPATCH on collections, homes and the principal stores properties per
// user (display name, Apple calendar-color and calendar-order, descriptions,
// me-card, and any dead property a client keeps there) and returns them
// from then on. iOS sends these; go-webdav answers 501, which breaks it.
// Live properties are protected (RFC 4918 §9.2): a request touching one
// fails as a whole.

type propertyUpdate struct {
	ops []propOp
}

type propOp struct {
	remove bool
	props  []rawProp
}

func (u *propertyUpdate) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name != name(nsDAV, "propertyupdate") {
		return errStatus(http.StatusBadRequest, "expected DAV:propertyupdate")
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != nsDAV || (t.Name.Local != "set" && t.Name.Local != "remove") {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			var body struct {
				Prop rawList `xml:"DAV: prop"`
			}
			if err := d.DecodeElement(&body, &t); err != nil {
				return err
			}
			// The xml:lang in scope of each property (RFC 4918 §4.3):
			// its own or DAV:prop's (rawList), else set's, else
			// propertyupdate's.
			for i := range body.Prop.props {
				for _, lang := range []string{xmlLang(t), xmlLang(start)} {
					if body.Prop.props[i].lang == "" {
						body.Prop.props[i].lang = lang
					}
				}
				if len(body.Prop.props[i].lang) > maxXMLLang {
					return errStatus(http.StatusBadRequest, "an xml:lang is longer than any language tag")
				}
			}
			u.ops = append(u.ops, propOp{remove: t.Name.Local == "remove", props: body.Prop.props})
		case xml.EndElement:
			return nil
		}
	}
}

// protectedProps cannot be set by clients.
var protectedProps = map[xml.Name]bool{
	pResourceType: true, pCurrentPrincipal: true, pPrincipalURL: true, pPrincipalColls: true, pOwner: true,
	pPrivileges: true, pSupportedReports: true, pSyncToken: true, pGetETag: true, pGetContentType: true,
	pGetContentLength: true, pGetLastModified: true, pCTag: true, pAddressHomeSet: true, pCalendarHomeSet: true,
	pCalUserAddressSet: true, pCompSet: true, pSupportedCalData: true, pSupportedAddrData: true,
	pCalMaxSize: true, pCardMaxSize: true, pMaxResourceSizeDAV: true, pCalendarData: true, pAddressData: true,
}

const maxDeadPropValue = 16 << 10

// maxXMLLang bounds a stored xml:lang; language tags are far shorter.
const maxXMLLang = 64

func (s *Server) serveProppatch(w http.ResponseWriter, r *http.Request, res resource) error {
	ctx := r.Context()
	user := userFrom(ctx)
	var resourceName string
	switch res.kind {
	case resCollection:
		if _, err := s.store.UserCollection(ctx, user.ID, res.coll); err != nil {
			return err
		}
		resourceName = res.coll
	case resAddressHome, resCalendarHome:
		resourceName = homeSegment(res.home)
	case resPrincipal:
		resourceName = "principal"
	default:
		return errCond(http.StatusForbidden, condNeedPrivileges, "properties can be set on collections, homes and the principal only")
	}
	var update propertyUpdate
	if err := readXML(r, &update); err != nil {
		if err == io.EOF {
			return errStatus(http.StatusBadRequest, "PROPPATCH needs a DAV:propertyupdate body")
		}
		return err
	}
	var set, remove []storage.DeadProp
	var results []propValue
	failed := false
	for _, op := range update.ops {
		for _, p := range op.props {
			v := propValue{name: p.name}
			switch {
			case protectedProps[p.name]:
				v.status = http.StatusForbidden
				failed = true
			case len(p.inner) > maxDeadPropValue:
				v.status = http.StatusInsufficientStorage
				failed = true
			case op.remove:
				remove = append(remove, storage.DeadProp{NS: p.name.Space, Name: p.name.Local})
			default:
				set = append(set, storage.DeadProp{NS: p.name.Space, Name: p.name.Local, Value: p.inner, Lang: p.lang})
			}
			results = append(results, v)
		}
	}
	if failed {
		// All or nothing: the others fail because of the refused ones.
		for i := range results {
			if results[i].status == 0 {
				results[i].status = http.StatusFailedDependency
			}
		}
	} else if err := s.store.SetProps(ctx, user.ID, resourceName, set, remove); err != nil {
		return err
	}
	ms := startMultistatus(w, false)
	ms.response(res.path(), results)
	return ms.close()
}
