package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/psadav/psadav/storage/storagetest"
)

// openapi.json names exactly the routes the API serves, each with the
// statuses a caller can get, and is served at /api/v1/openapi.json.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	resp, raw := e.raw("GET", "/api/v1/openapi.json", "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			Responses map[string]any
		}
	}
	must(t, json.Unmarshal(raw, &doc))
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			for _, status := range []string{"401", "403"} {
				if op.Responses[status] == nil {
					t.Errorf("%s %s documents no %s", method, path, status)
				}
			}
		}
	}
	var served []string
	for _, r := range e.console.Routes() {
		served = append(served, strings.ReplaceAll(r, "...}", "}"))
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("openapi.json documents\n%s\nthe API serves\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}
