package dav

import (
	"mime"
	"net/http"
)

// SecurityHeaders wraps the whole HTTP face (DAV, webhooks, metrics). Every
// response says nosniff, so a browser never runs a stored vCard or event
// as a page; a response that is HTML — psadav serves none today, but a
// page added later, or an error body a handler labels text/html — also
// gets a Content-Security-Policy that allows nothing (no script, no
// frame, no form), refuses framing and sends no referrer. A handler that
// sets one of these headers itself keeps its own value.
func SecurityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &secureWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		sw.commit(nil)
	})
}

// htmlHeaders are set on HTML responses.
var htmlHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
}

// secureWriter holds back the status line until the type of the body is
// known: like net/http, it sniffs the first bytes of a body whose handler
// set no Content-Type.
type secureWriter struct {
	http.ResponseWriter
	status    int // written by the handler, not yet sent
	committed bool
}

func (w *secureWriter) WriteHeader(code int) {
	if w.committed || w.status != 0 {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: more follows
		return
	}
	w.status = code
	if w.Header().Get("Content-Type") != "" || !bodyAllowed(code) {
		w.commit(nil)
	}
}

func (w *secureWriter) Write(b []byte) (int, error) {
	w.commit(b)
	return w.ResponseWriter.Write(b)
}

// commit sets the headers and sends the status line once; first is the
// start of the body, sniffed when no Content-Type was set.
func (w *secureWriter) commit(first []byte) {
	if w.committed {
		return
	}
	w.committed = true
	if w.status == 0 {
		if first == nil {
			return // nothing written: net/http answers 200 with no body
		}
		w.status = http.StatusOK
	}
	h := w.Header()
	if h.Get("X-Content-Type-Options") == "" {
		h.Set("X-Content-Type-Options", "nosniff")
	}
	ct := h.Get("Content-Type")
	if ct == "" && len(first) > 0 && h.Get("Content-Encoding") == "" && bodyAllowed(w.status) {
		ct = http.DetectContentType(first)
		h.Set("Content-Type", ct)
	}
	if t, _, _ := mime.ParseMediaType(ct); t == "text/html" || t == "application/xhtml+xml" {
		for _, kv := range htmlHeaders {
			if h.Get(kv[0]) == "" {
				h.Set(kv[0], kv[1])
			}
		}
	}
	w.ResponseWriter.WriteHeader(w.status)
}

func bodyAllowed(code int) bool {
	return code != http.StatusNoContent && code != http.StatusNotModified && (code < 100 || code >= 200)
}

func (w *secureWriter) Flush() {
	if !w.committed {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		w.commit([]byte{})
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *secureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
