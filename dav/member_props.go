package dav

import (
	"encoding/xml"
	"iter"
	"net/http"
	"strconv"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// memberProps are a collection member's properties. Listings build one
// per member (tens of thousands in a PROPFIND or a multiget run), so the
// properties are a fixed table answered by a switch, and object data is
// escaped as the response is written instead of being copied first.
type memberProps struct {
	o    storage.ObjectInfo
	coll storage.Collection
	// body is the stored object; nil when the caller only lists (its
	// address-data or calendar-data then comes back 404).
	body []byte
	// expand, when set, renders calendar-data instead of body (a
	// calendar-query's c:expand).
	expand func() ([]byte, error)
	// selection is the part of the data asked for, nil for all of it.
	selection *mapping.CompSelection
}

// objectProps are a member's properties; body may be nil (see memberProps).
func objectProps(o storage.ObjectInfo, c storage.Collection, body []byte) *memberProps {
	return &memberProps{o: o, coll: c, body: body}
}

// memberPropNames are the properties every member has, in the order allprop
// lists them; a member read with its body adds its data property, which
// allprop leaves out (RFC 6352 §10.4, RFC 4791 §9.6 ask for it by name).
var memberPropNames = []xml.Name{pResourceType, pGetETag, pGetContentType, pGetContentLength, pGetLastModified, pPrivileges}

func (m *memberProps) values(req *propRequest) []propValue {
	if n, ok := m.dataProp(); ok {
		m.selection = req.selections[n]
	}
	return answerProps(m, req)
}

func (m *memberProps) propNames() iter.Seq2[xml.Name, bool] {
	return func(yield func(xml.Name, bool) bool) {
		for _, n := range memberPropNames {
			if !yield(n, false) {
				return
			}
		}
		if n, ok := m.dataProp(); ok {
			yield(n, true)
		}
	}
}

// dataProp is the property that carries the member's data, if it has one.
func (m *memberProps) dataProp() (xml.Name, bool) {
	switch {
	case m.body == nil:
		return xml.Name{}, false
	case m.o.Comp == "VCARD":
		return pAddressData, true
	}
	return pCalendarData, true
}

func (m *memberProps) propValue(e xml.StartElement) (propValue, bool) {
	v := propValue{name: e.Name}
	switch e.Name {
	case pResourceType:
	case pGetETag:
		v.inner = escapeText(quoteETag(m.o.ETag))
	case pGetContentType:
		v.inner = contentType(m.o.Comp)
	case pGetContentLength:
		v.inner = strconv.FormatInt(m.o.Size, 10)
	case pGetLastModified:
		v.inner = httpTime(m.o.ModifiedAt)
	case pPrivileges:
		v.inner = objectPrivileges(m.coll, m.o)
	default:
		if n, ok := m.dataProp(); !ok || n != e.Name {
			return propValue{}, false
		}
		data, err := m.data(e)
		if err != nil {
			return propValue{name: e.Name, status: http.StatusInternalServerError}, true
		}
		v.text = data
	}
	return v, true
}

// data is the member's data as the request asks for it: a vCard in the
// version its address-data names, an expanded calendar when asked.
func (m *memberProps) data(e xml.StartElement) ([]byte, error) {
	data, err := m.body, error(nil)
	switch {
	case m.o.Comp == "VCARD":
		data, err = cardData(m.body, attr(e, "version"))
	case m.expand != nil:
		data, err = m.expand()
	}
	if err != nil || m.selection == nil {
		return data, err
	}
	return mapping.SelectContent(data, m.selection), nil
}
