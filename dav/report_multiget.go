package dav

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/psadav/psadav/storage"
)

// addressbook-multiget (RFC 6352 §8.7) and calendar-multiget (RFC 4791
// §7.9): the objects named by hrefs, served as stored, in the order
// asked, a batch of hrefs at a time (one query each), each batch answered
// before the next is read. The body is read as a stream: a first pass
// checks it and counts its hrefs; a body over 1 MiB (report_body.go) is
// read again for them, so memory holds a batch whatever their number.

// multigetBatch is how many hrefs are read and answered at a time.
const multigetBatch = 500

// Bounds on what one multiget body may hold besides hrefs: tokens, the
// length of one href, the properties asked for and the nesting of
// elements, so a body within its size limit still cannot make the parser
// hold much of it at once.
const (
	maxXMLToken   = 256 << 10
	maxHrefLength = 8 << 10
	maxAskedProps = 256
	maxXMLNesting = 32
)

func isMultiget(root xml.Name) bool {
	return root == name(nsCardDAV, "addressbook-multiget") || root == name(nsCalDAV, "calendar-multiget")
}

func (s *Server) serveMultiget(w http.ResponseWriter, r *http.Request, res resource, body *requestBody) error {
	if res.kind != resCollection && res.kind != resObject {
		return errStatus(http.StatusBadRequest, "a multiget REPORT goes to a collection")
	}
	ctx := r.Context()
	user, coll, err := s.reportCollection(r, res)
	if err != nil {
		return err
	}
	// First pass: a malformed body or too many hrefs are refused before
	// the 207 goes out. The hrefs of a body in memory (at most 1 MiB) are
	// kept; a spooled one is read again.
	count := 0
	var hrefs []string
	preq, err := scanMultiget(body.reader(), func(h string) error {
		if count++; body.file == nil {
			hrefs = append(hrefs, h)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := preq.checkDataFormats(); err != nil {
		return err
	}
	if body.maxHrefs > 0 && count > body.maxHrefs {
		return &davError{status: http.StatusInsufficientStorage, cond: condNumberOfMatches,
			extra: textElem(name(nsPSADAV, "max-hrefs"), strconv.Itoa(body.maxHrefs)),
			msg:   fmt.Sprintf("the multiget names %d hrefs; a multiget of this collection may name at most %d", count, body.maxHrefs)}
	}
	ms := startMultistatus(w, minimal(r))
	batch := make([]string, 0, multigetBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		names := make([]string, len(batch))
		wanted := make([]string, 0, len(batch))
		for i, href := range batch {
			if n, ok := hrefIn(href, user.Login, coll.Name); ok {
				names[i] = n
				wanted = append(wanted, n)
			}
		}
		objs, err := s.store.GetObjects(ctx, coll.ID, wanted)
		if err != nil {
			return err
		}
		byName := make(map[string]*storage.Object, len(objs))
		for i := range objs {
			byName[objs[i].Href] = &objs[i]
		}
		for i, href := range batch {
			if o := byName[names[i]]; o != nil {
				ms.response(href, objectProps(o.ObjectInfo, coll, o.Body).values(&preq))
			} else {
				ms.status(href, http.StatusNotFound)
			}
		}
		batch = batch[:0]
		return nil
	}
	answer := func(href string) error {
		if batch = append(batch, href); len(batch) == multigetBatch {
			return flush()
		}
		return nil
	}
	if body.file == nil {
		for _, h := range hrefs {
			if err = answer(h); err != nil {
				break
			}
		}
	} else {
		_, err = scanMultiget(body.reader(), answer)
	}
	if err == nil {
		err = flush()
	}
	if err != nil { // the 207 is out: ServeHTTP cuts it
		return fmt.Errorf("multiget: %w", err)
	}
	return ms.close()
}

// scanMultiget reads a multiget body as a stream, calling onHref with each
// DAV:href in order, and returns the properties it asks for.
func scanMultiget(src io.Reader, onHref func(string) error) (propRequest, error) {
	lim := &tokenLimit{r: src}
	dec := xml.NewDecoder(bufio.NewReaderSize(lim, 32<<10))
	var req propRequest
	var href strings.Builder
	depth, inHref, inProp, sawRoot, sawProps := 0, false, false, false, false
	for {
		lim.n = 0
		tok, err := dec.Token()
		switch {
		case err == io.EOF && sawRoot && depth == 0:
			if !sawProps {
				req.allprop = true
			}
			return req, nil
		case errors.Is(err, errTokenTooLong):
			return req, errStatus(http.StatusBadRequest, "malformed XML request body: a token longer than %d bytes", maxXMLToken)
		case err == io.EOF:
			return req, errStatus(http.StatusBadRequest, "malformed XML request body: it ends early")
		case err != nil:
			return req, errStatus(http.StatusBadRequest, "malformed XML request body: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 && sawRoot {
				return req, errStatus(http.StatusBadRequest, "malformed XML request body: a second root element")
			}
			if depth++; depth > maxXMLNesting {
				return req, errStatus(http.StatusBadRequest, "malformed XML request body: elements nested deeper than %d", maxXMLNesting)
			}
			sawRoot = true
			switch {
			case depth == 2 && t.Name == name(nsDAV, "href"):
				inHref = true
				href.Reset()
			case depth == 2 && t.Name == name(nsDAV, "prop"):
				inProp, sawProps = true, true
			case depth == 2 && t.Name == name(nsDAV, "propname"):
				req, sawProps = propRequest{propname: true}, true
			case depth == 2 && t.Name == name(nsDAV, "allprop") && !sawProps:
				req.allprop, sawProps = true, true
			case depth == 3 && inProp && !req.propname:
				if len(req.props) == maxAskedProps {
					return req, errStatus(http.StatusBadRequest, "a multiget may ask for at most %d properties", maxAskedProps)
				}
				req.allprop = false
				req.props = append(req.props, t.Copy())
				if isDataProp(t.Name) {
					sel, err := readDataSelection(dec, t)
					if err != nil {
						return req, err
					}
					req.selections = addSelection(req.selections, t.Name, sel)
					depth-- // its end element is read
				}
			}
		case xml.CharData:
			if inHref {
				if href.Len()+len(t) > maxHrefLength {
					return req, errStatus(http.StatusBadRequest, "an href longer than %d bytes", maxHrefLength)
				}
				href.Write(t)
			}
		case xml.EndElement:
			if depth == 2 && inHref {
				inHref = false
				if err := onHref(strings.TrimSpace(href.String())); err != nil {
					return req, err
				}
			}
			if depth == 2 {
				inProp = false
			}
			depth--
		}
	}
}

var errTokenTooLong = errors.New("XML token too long")

// tokenLimit fails a read once more than maxXMLToken bytes went by since
// the last token: encoding/xml holds a whole token (text, a comment, a
// tag with its attributes) in memory before it returns it.
type tokenLimit struct {
	r io.Reader
	n int
}

func (l *tokenLimit) Read(p []byte) (int, error) {
	if l.n > maxXMLToken {
		return 0, errTokenTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}
