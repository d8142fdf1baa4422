package dav

import (
	"bufio"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// XML namespaces psadav speaks.
const (
	nsDAV     = "DAV:"
	nsCalDAV  = "urn:ietf:params:xml:ns:caldav"
	nsCardDAV = "urn:ietf:params:xml:ns:carddav"
	nsCS      = "http://calendarserver.org/ns/"
	nsApple   = "http://apple.com/ns/ical/"
	nsPSADAV  = "https://psadav.org/ns/"
)

// prefixes used when writing; every response declares them on its root.
var nsPrefix = map[string]string{
	nsDAV: "d", nsCalDAV: "cal", nsCardDAV: "card", nsCS: "cs", nsApple: "ical", nsPSADAV: "psadav",
}

const nsDecls = ` xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"` +
	` xmlns:cs="http://calendarserver.org/ns/" xmlns:ical="http://apple.com/ns/ical/" xmlns:psadav="https://psadav.org/ns/"`

func name(ns, local string) xml.Name { return xml.Name{Space: ns, Local: local} }

// xmlEscaper escapes text content. It keeps '\n' but writes '\r' as a
// character reference: a parser would otherwise fold CRLF into LF and the
// object data in a REPORT would differ from what GET serves.
var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;")

var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\r", "&#13;", "\n", "&#10;")

func escapeText(s string) string { return xmlEscaper.Replace(s) }

// writeEscaped writes text as xmlEscaper would, straight from bytes.
func writeEscaped(w *bufio.Writer, text []byte) {
	last := 0
	for i, c := range text {
		var esc string
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#13;"
		default:
			continue
		}
		w.Write(text[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.Write(text[last:])
}

// startTag and endTag write an element's tags with the known prefixes, or
// with a default-namespace declaration for a namespace psadav does not know.
func startTag(n xml.Name, empty bool) string {
	var b strings.Builder
	b.WriteByte('<')
	if p, ok := nsPrefix[n.Space]; ok {
		b.WriteString(p)
		b.WriteByte(':')
		b.WriteString(n.Local)
	} else {
		b.WriteString(n.Local)
		if n.Space != "" {
			b.WriteString(` xmlns="`)
			b.WriteString(attrEscaper.Replace(n.Space))
			b.WriteByte('"')
		}
	}
	if empty {
		b.WriteString("/>")
	} else {
		b.WriteByte('>')
	}
	return b.String()
}

func endTag(n xml.Name) string {
	if p, ok := nsPrefix[n.Space]; ok {
		return "</" + p + ":" + n.Local + ">"
	}
	return "</" + n.Local + ">"
}

// elem renders an element with pre-rendered inner XML.
func elem(n xml.Name, inner string) string {
	if inner == "" {
		return startTag(n, true)
	}
	return startTag(n, false) + inner + endTag(n)
}

// textElem renders an element holding escaped text.
func textElem(n xml.Name, text string) string { return elem(n, escapeText(text)) }

// hrefElem renders a DAV:href.
func hrefElem(href string) string { return textElem(name(nsDAV, "href"), href) }

// propValue is one property in a response: its inner XML, or a status
// for a property that could not be given.
type propValue struct {
	name  xml.Name
	inner string
	// text is character data, escaped as it is written: object data goes
	// from the database row to the response without another copy.
	text   []byte
	status int    // 0 means 200
	lang   string // xml:lang of a dead property, "" for none
}

// multistatus streams a 207 Multi-Status body: responses are written as
// they are produced, so memory stays flat for any number of members.
type multistatus struct {
	w       *bufio.Writer
	minimal bool // Prefer: return=minimal: leave out 404 propstats
}

func startMultistatus(w http.ResponseWriter, minimal bool) *multistatus {
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	if minimal {
		w.Header().Set("Preference-Applied", "return=minimal")
	}
	w.WriteHeader(http.StatusMultiStatus)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<d:multistatus" + nsDecls + ">")
	return &multistatus{w: bw, minimal: minimal}
}

// response writes one d:response with propstats grouped by status.
func (m *multistatus) response(href string, props []propValue) {
	w := m.w
	w.WriteString("<d:response><d:href>")
	xmlEscaper.WriteString(w, href)
	w.WriteString("</d:href>")
	var seen [4]int
	statuses := seen[:0]
	for _, p := range props {
		st := p.code()
		if m.minimal && st == http.StatusNotFound {
			continue
		}
		if !slices.Contains(statuses, st) {
			statuses = append(statuses, st)
		}
	}
	if len(statuses) == 0 {
		// An empty propstat keeps the response valid (RFC 4918 §14.22).
		statuses = append(statuses, http.StatusOK)
	}
	for _, st := range statuses {
		w.WriteString("<d:propstat><d:prop>")
		for _, p := range props {
			switch {
			case p.code() != st:
			case st == http.StatusOK && p.lang != "":
				// A dead property set under an xml:lang is returned with
				// it (RFC 4918 §4.3).
				w.WriteString(strings.TrimSuffix(startTag(p.name, false), ">"))
				w.WriteString(" xml:lang='")
				w.WriteString(strings.ReplaceAll(attrEscaper.Replace(p.lang), "'", "&apos;"))
				w.WriteString("'>")
				w.WriteString(p.inner)
				writeEndTag(w, p.name)
			case st == http.StatusOK && (p.inner != "" || len(p.text) > 0):
				writeTag(w, p.name, false)
				w.WriteString(p.inner)
				writeEscaped(w, p.text)
				writeEndTag(w, p.name)
			default:
				writeTag(w, p.name, true)
			}
		}
		w.WriteString("</d:prop>")
		w.WriteString(statusElem(st))
		w.WriteString("</d:propstat>")
	}
	w.WriteString("</d:response>\n")
}

// code is the property's status, 200 when it has a value.
func (p propValue) code() int {
	if p.status == 0 {
		return http.StatusOK
	}
	return p.status
}

// writeTag and writeEndTag are startTag and endTag written straight to w
// for the known prefixes (a listing writes millions of them).
func writeTag(w *bufio.Writer, n xml.Name, empty bool) {
	p, ok := nsPrefix[n.Space]
	if !ok {
		w.WriteString(startTag(n, empty))
		return
	}
	w.WriteByte('<')
	w.WriteString(p)
	w.WriteByte(':')
	w.WriteString(n.Local)
	if empty {
		w.WriteString("/>")
	} else {
		w.WriteByte('>')
	}
}

func writeEndTag(w *bufio.Writer, n xml.Name) {
	p, ok := nsPrefix[n.Space]
	if !ok {
		w.WriteString(endTag(n))
		return
	}
	w.WriteString("</")
	w.WriteString(p)
	w.WriteByte(':')
	w.WriteString(n.Local)
	w.WriteByte('>')
}

// status writes a d:response carrying only a status (a removed member, an
// href that does not exist).
func (m *multistatus) status(href string, code int) {
	m.w.WriteString("<d:response>")
	m.w.WriteString(hrefElem(href))
	m.w.WriteString(statusElem(code))
	m.w.WriteString("</d:response>\n")
}

// truncated writes the response that ends a REPORT answer cut short by a
// limit: 507 for the collection (RFC 6578 §3.6, RFC 6352 §8.6.1).
func (m *multistatus) truncated(collection string) {
	m.w.WriteString("<d:response>" + hrefElem(collection) + statusElem(http.StatusInsufficientStorage) +
		"<d:error><d:number-of-matches-within-limits/></d:error></d:response>\n")
}

// raw writes pre-rendered XML (a sync-token).
func (m *multistatus) raw(s string) { m.w.WriteString(s) }

func (m *multistatus) close() error {
	m.w.WriteString("</d:multistatus>\n")
	return m.w.Flush()
}

func statusElem(code int) string {
	return "<d:status>HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "</d:status>"
}

// nameList reads the child elements of an element (a d:prop in a PROPFIND
// or REPORT) with their attributes, ignoring their content but for the
// selection a calendar-data or address-data makes.
type nameList struct {
	elems      []xml.StartElement
	selections map[xml.Name]*mapping.CompSelection
}

func (l *nameList) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			l.elems = append(l.elems, t.Copy())
			if isDataProp(t.Name) {
				sel, err := readDataSelection(d, t)
				if err != nil {
					return err
				}
				l.selections = addSelection(l.selections, t.Name, sel)
				continue
			}
			if err := d.Skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// xmlLang returns an element's xml:lang attribute ("" when absent).
func xmlLang(e xml.StartElement) string {
	for _, a := range e.Attr {
		if a.Name.Local == "lang" && (a.Name.Space == xmlNamespace || a.Name.Space == "xml") {
			return a.Value
		}
	}
	return ""
}

// xmlNamespace is the namespace encoding/xml gives the xml: prefix.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// attr returns the value of an element's attribute ("" when absent).
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// rawProp is a property element with its content re-written in psadav's
// own prefixes (PROPPATCH values, and requested properties that carry
// parameters, like address-data).
type rawProp struct {
	name  xml.Name
	attrs []xml.Attr
	inner string
	lang  string // the xml:lang in scope: its own, else its parent's
}

// rawList reads the child elements of an element with their content.
type rawList struct {
	props []rawProp
}

func (l *rawList) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inner, err := canonicalInner(d)
			if err != nil {
				return err
			}
			lang := xmlLang(t)
			if lang == "" {
				lang = xmlLang(start)
			}
			l.props = append(l.props, rawProp{name: t.Name, attrs: t.Attr, inner: inner, lang: lang})
		case xml.EndElement:
			return nil
		}
	}
}

// canonicalInner reads up to the end of the current element and returns
// its content as XML that does not depend on the request's namespace
// prefixes, so it can be stored and written into any response.
func canonicalInner(d *xml.Decoder) (string, error) {
	var b strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			b.WriteString(startTag(t.Name, false))
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			depth--
			b.WriteString(endTag(t.Name))
		case xml.CharData:
			b.WriteString(escapeText(string(t)))
		}
	}
}
