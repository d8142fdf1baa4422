package web

// Routes lists the API's routes as "METHOD /path" for the OpenAPI test.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.apiRoutes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// CSRFHeader and SessionCookie name what a browser session sends.
const (
	CSRFHeader    = csrfHeader
	SessionCookie = sessionCookie
)
