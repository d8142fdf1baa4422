package dav

import (
	"net/http"
	"strings"
)

// isWellKnown reports whether path is a CalDAV or CardDAV well-known URI,
// with or without a final slash (clients and CalDAVTester send both).
func isWellKnown(path string) bool {
	switch strings.TrimSuffix(path, "/") {
	case "/.well-known/caldav", "/.well-known/carddav":
		return true
	}
	return false
}

// serveWellKnown redirects /.well-known/caldav and /.well-known/carddav
// (RFC 6764 §5) to the authenticated user's principal, where clients find
// the home sets.
func (s *Server) serveWellKnown(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, principalPath(userFrom(r.Context()).Login), http.StatusMovedPermanently)
	return nil
}
