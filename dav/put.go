package dav

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// acceptedTypes are the media types a PUT may carry, per home.
var acceptedTypes = map[homeKind][]string{
	homeAddress:  {"text/vcard", "text/x-vcard", "text/directory"},
	homeCalendar: {"text/calendar"},
}

// servePut stores a client's object under the write-back rules. The answer
// carries an ETag only when the stored object is byte-for-byte the body
// (RFC 4791 §5.3.4, RFC 6352 §6.3.2): otherwise the client must re-read.
// A PUT without preconditions overwrites (Thunderbird sends none).
func (s *Server) servePut(w http.ResponseWriter, r *http.Request, res resource) error {
	if res.kind != resObject {
		w.Header().Set("Allow", allowFor(res))
		return errStatus(http.StatusMethodNotAllowed, "PUT creates or replaces objects inside a collection")
	}
	ctx := r.Context()
	user := userFrom(ctx)
	coll, err := s.store.UserCollection(ctx, user.ID, res.coll)
	if err != nil {
		return err
	}
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mediaType, _, err = mime.ParseMediaType(ct); err != nil {
			return &mapping.Refusal{Code: mapping.RefuseUnsupportedData, Message: "malformed Content-Type: " + err.Error()}
		}
		if !typeAccepted(res.home, mediaType) {
			return &mapping.Refusal{Code: mapping.RefuseUnsupportedData,
				Message: "this collection takes " + acceptedTypes[res.home][0] + ", not " + mediaType}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return errStatus(http.StatusBadRequest, "reading the request body: %v", err)
	}
	result, err := s.store.PutObject(ctx, storage.PutRequest{
		Account: *user, Collection: coll, Href: res.name, Body: body, ContentType: mediaType,
		IfMatch: r.Header.Get("If-Match"), IfNoneMatch: r.Header.Get("If-None-Match"),
	})
	if err != nil {
		return err
	}
	if result.ETag != "" {
		w.Header().Set("ETag", quoteETag(result.ETag))
	}
	if result.Created {
		w.Header().Set("Location", res.path())
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

func typeAccepted(h homeKind, mediaType string) bool {
	for _, t := range acceptedTypes[h] {
		if t == mediaType {
			return true
		}
	}
	return false
}

// serveDelete removes (or hides, by the rules) an object.
func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, res resource) error {
	if res.kind != resObject {
		w.Header().Set("Allow", allowFor(res))
		return errCond(http.StatusForbidden, condNeedPrivileges, "collections are set up by the administrator and cannot be deleted")
	}
	ctx := r.Context()
	user := userFrom(ctx)
	coll, err := s.store.UserCollection(ctx, user.ID, res.coll)
	if err != nil {
		return err
	}
	err = s.store.DeleteObject(ctx, storage.DeleteRequest{Account: *user, Collection: coll, Href: res.name,
		IfMatch: r.Header.Get("If-Match"), IfNoneMatch: r.Header.Get("If-None-Match")})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
