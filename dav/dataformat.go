package dav

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// checkDataFormats refuses a calendar-data or address-data request for a
// media type or version psadav cannot serve (RFC 4791 §9.6 and RFC 6352
// §10.4 name the attributes; the preconditions are RFC 4791 §7.5 and RFC
// 6352 §8.6's supported-calendar-data and supported-address-data). An
// attribute left out takes its default.
func (p *propRequest) checkDataFormats() error {
	for _, e := range p.props {
		switch e.Name {
		case name(nsCalDAV, "calendar-data"):
			if !formatIs(e, "text/calendar", "2.0") {
				return errCond(http.StatusForbidden, name(nsCalDAV, "supported-calendar-data"),
					"calendar-data is served as text/calendar version 2.0 only")
			}
		case name(nsCardDAV, "address-data"):
			if !formatIs(e, "text/vcard", "3.0", "4.0") {
				return errCond(http.StatusForbidden, name(nsCardDAV, "supported-address-data"),
					"address-data is served as text/vcard version 3.0 or 4.0 only")
			}
		}
	}
	return nil
}

// formatIs reports whether e's content-type and version attributes, where
// given, are mediaType and one of versions.
func formatIs(e xml.StartElement, mediaType string, versions ...string) bool {
	if ct := attr(e, "content-type"); ct != "" && !strings.EqualFold(strings.TrimSpace(ct), mediaType) {
		return false
	}
	v := attr(e, "version")
	if v == "" {
		return true
	}
	for _, ok := range versions {
		if strings.TrimSpace(v) == ok {
			return true
		}
	}
	return false
}
