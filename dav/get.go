package dav

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/psadav/psadav/storage"
)

// serveGet answers GET and HEAD on an object with the stored bytes, so the
// ETag always names exactly what is served. GET on an address book returns
// all its cards, one after the other (an export).
func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, res resource) error {
	ctx := r.Context()
	user := userFrom(ctx)
	switch res.kind {
	case resObject:
	case resCollection:
		if res.home == homeAddress {
			return s.exportBook(w, r, res)
		}
		fallthrough
	default:
		w.Header().Set("Allow", allowFor(res))
		return errStatus(http.StatusMethodNotAllowed, "GET is only for objects and address books; use a CalDAV or CardDAV client")
	}
	_, obj, err := s.store.GetUserObject(ctx, user.ID, res.coll, res.name)
	if err != nil {
		return err
	}
	body := obj.Body
	if obj.Comp == "VCARD" {
		if body, err = cardData(obj.Body, acceptedCardVersion(r)); err != nil {
			return err
		}
	}
	h := w.Header()
	h.Set("ETag", quoteETag(obj.ETag))
	h.Set("Last-Modified", httpTime(obj.ModifiedAt))
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, obj.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", contentType(obj.Comp))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

func (s *Server) exportBook(w http.ResponseWriter, r *http.Request, res resource) error {
	ctx := r.Context()
	coll, err := s.store.UserCollection(ctx, userFrom(ctx).ID, res.coll)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	version := acceptedCardVersion(r)
	err = s.eachMember(ctx, coll.ID, func(o *storage.Object) error {
		if data, err := cardData(o.Body, version); err == nil {
			_, err = w.Write(data)
			return err // a client that went away ends the walk
		}
		return nil
	})
	if err != nil { // the 200 is out: ServeHTTP cuts it
		return fmt.Errorf("exporting address book: %w", err)
	}
	return nil
}

// etagMatches reports whether an If-Match / If-None-Match list names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == quoteETag(etag) {
			return true
		}
	}
	return false
}
