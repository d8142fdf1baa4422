package dav

import "net/http"

// serveWellKnown redirects /.well-known/caldav and /.well-known/carddav
// (RFC 6764 §5) to the authenticated user's principal, where clients find
// the home sets.
func (s *Server) serveWellKnown(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, principalPath(userFrom(r.Context()).Login), http.StatusMovedPermanently)
	return nil
}
