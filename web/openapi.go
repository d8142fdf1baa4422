package web

import (
	_ "embed"
	"net/http"
)

// openAPI describes the API (OpenAPI 3). It is written by hand; a test
// checks that it names exactly the routes apiRoutes serves.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}
