package dav

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
)

// A REPORT body is read into memory up to maxRequestXML. Only a multiget
// may be larger: vdirsyncer asks for every member it has not got in one
// (about 60 bytes an href), so a 1 MiB cap turned any book over ~15,000
// cards into a 413 on every sync, for good. A larger multiget is spooled
// to a temporary file, up to a size that scales with the collection, and
// read as a stream twice — once to check it and count its hrefs, once to
// answer them a batch at a time — so memory does not grow with the number
// of hrefs. What a client may send is bounded by the collection it asks:
// at most multigetHrefLimit hrefs, multigetHrefBytes each.

// multigetHrefBytes is the room one href has in a large multiget body: an
// href element holding a collection's path and a 255-byte name, percent-
// encoded, with whitespace, fits with room to spare.
const multigetHrefBytes = 1 << 10

// multigetHrefLimit is how many hrefs a multiget of a collection with
// this many members may name: a client's list may be a little out of date
// (members deleted since it listed them).
func multigetHrefLimit(members int) int { return members + max(1000, members/10) }

// requestBody is a request body held in memory or in a temporary file,
// to be read as often as needed.
type requestBody struct {
	mem  []byte
	file *os.File
	size int64
	// maxHrefs bounds a spooled multiget's hrefs (0: no bound beyond the
	// size of an in-memory body).
	maxHrefs int
}

// reader reads the body from its start.
func (b *requestBody) reader() io.Reader {
	if b.file == nil {
		return bytes.NewReader(b.mem)
	}
	return io.NewSectionReader(b.file, 0, b.size)
}

func (b *requestBody) close() {
	if b.file != nil {
		b.file.Close()
		os.Remove(b.file.Name())
	}
}

// spoolMultiget reads the rest of a multiget body larger than
// maxRequestXML (head is what was read of it) into a temporary file, as
// far as the collection's size allows.
func (s *Server) spoolMultiget(r *http.Request, res resource, head []byte) (*requestBody, error) {
	if res.kind != resCollection && res.kind != resObject {
		return nil, errStatus(http.StatusBadRequest, "a multiget REPORT goes to a collection")
	}
	_, coll, err := s.reportCollection(r, res)
	if err != nil {
		return nil, err
	}
	members, err := s.store.CountObjects(r.Context(), coll.ID)
	if err != nil {
		return nil, err
	}
	maxHrefs := multigetHrefLimit(members)
	limit := int64(maxRequestXML) + int64(maxHrefs)*multigetHrefBytes
	f, err := os.CreateTemp("", "psadav-multiget-*")
	if err != nil {
		return nil, err
	}
	body := &requestBody{file: f, maxHrefs: maxHrefs}
	if _, err := f.Write(head); err != nil {
		body.close()
		return nil, err
	}
	dst := &fileWriter{f: f}
	n, err := io.Copy(dst, io.LimitReader(r.Body, limit-int64(len(head))+1))
	body.size = int64(len(head)) + n
	switch {
	case dst.err != nil: // our disk, not the client
		body.close()
		return nil, dst.err
	case err != nil:
		body.close()
		return nil, errStatus(http.StatusBadRequest, "reading the request body: %v", err)
	case body.size > limit:
		body.close()
		return nil, bodyTooLarge(limit, "a multiget of this collection ("+strconv.Itoa(members)+
			" members) may name at most "+strconv.Itoa(maxHrefs)+" hrefs in at most "+strconv.FormatInt(limit, 10)+" bytes")
	}
	return body, nil
}

// bodyTooLarge refuses a request body over limit bytes: 413 with a
// DAV:error naming the limit.
func bodyTooLarge(limit int64, msg string) error {
	return &davError{status: http.StatusRequestEntityTooLarge, cond: name(nsPSADAV, "max-request-body-size"),
		inner: strconv.FormatInt(limit, 10), msg: msg}
}

// fileWriter remembers a write error, telling it from a read error in a copy.
type fileWriter struct {
	f   *os.File
	err error
}

func (w *fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}
