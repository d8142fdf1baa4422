package autotask

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/psadav/psadav/mapping"
)

// BenchmarkDecodeContactPage measures the connector's side of a pull: one
// page of 500 contacts decoded into records with their ids and stamps.
func BenchmarkDecodeContactPage(b *testing.B) {
	s, err := spec(mapping.EntityContacts)
	if err != nil {
		b.Fatal(err)
	}
	items := make([]json.RawMessage, 500)
	for i := range items {
		items[i] = json.RawMessage(fmt.Sprintf(`{"id":%d,"companyID":7,"isActive":1,"firstName":"Ada","lastName":"Lovelace %d",`+
			`"emailAddress":"ada%d@example.com","phone":"+44 20 7946 0%03d","city":"London",`+
			`"lastModifiedDate":"2026-03-02T09:00:00Z","lastActivityDate":"2026-03-03T10:30:00Z"}`, i+1, i, i, i))
	}
	c := &Connector{Client: &Client{log: slog.New(slog.DiscardHandler)}}
	b.ReportAllocs()
	for b.Loop() {
		if got := c.decode(mapping.EntityContacts, s, items); len(got) != len(items) {
			b.Fatalf("decoded %d of %d", len(got), len(items))
		}
	}
}
