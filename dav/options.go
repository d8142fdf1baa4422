package dav

import (
	"net/http"
	"strings"
)

// davClasses is the DAV header: class 1 and 3 WebDAV, CardDAV, CalDAV.
const davClasses = "1, 3, addressbook, calendar-access"

// serveOptions answers OPTIONS, also before authentication: clients probe
// the server's capabilities first.
func (s *Server) serveOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("DAV", davClasses)
	w.Header().Set("Allow", allowFor(parsePath(r.URL.EscapedPath())))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

func allowFor(res resource) string {
	methods := []string{"OPTIONS", "PROPFIND"}
	switch res.kind {
	case resCollection:
		methods = append(methods, "PROPPATCH", "REPORT", "GET", "HEAD")
	case resObject:
		methods = append(methods, "GET", "HEAD", "PUT", "DELETE", "REPORT")
	case resAddressHome, resCalendarHome, resPrincipal:
		// serveProppatch keeps properties on homes and the principal too.
		methods = append(methods, "PROPPATCH", "REPORT")
	case resRoot:
		methods = append(methods, "REPORT")
	}
	return strings.Join(methods, ", ")
}
