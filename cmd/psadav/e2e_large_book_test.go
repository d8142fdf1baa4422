package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// TestVdirsyncerSyncsATwentyThousandCardBook: vdirsyncer's first sync of a
// book asks for every card in one addressbook-multiget (1.3 MB for 20,000
// cards), which psadav answered with 413 on every sync while REPORT
// bodies were capped at 1 MiB. The book's cards are rendered as psadav
// renders PSA contacts and loaded straight into the served table
// (storagetest.BulkObjects): the sync is what is tested, and importing
// 20,000 contacts takes minutes under -race.
//
// It runs on SQLite only: vdirsyncer itself needs one to two minutes for
// 20,000 cards, and the server's side of it — the same multiget, byte for
// byte — is tested on both databases in dav (TestMultigetOfAWholeBook).
func TestVdirsyncerSyncsATwentyThousandCardBook(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs 20,000 cards with vdirsyncer; skipped with -short")
	}
	requireTool(t, "vdirsyncer")
	func(t *testing.T, srv *e2eServer) {
		ctx := context.Background()
		// Linked to no PSA resource, so the book holds only what is loaded.
		acct, err := srv.store.CreateAccount(ctx, "big", "big-password", nil, storage.DefaultUserSettings())
		if err != nil {
			t.Fatal(err)
		}
		book, err := srv.store.UserCollection(ctx, acct.ID, storage.CollContacts)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20000
		company := &mapping.Company{ID: 174, CompanyName: "Acme Corporation"}
		storagetest.BulkObjects(t, srv.store, book.ID, n, func(i int) storagetest.BulkObject {
			id := int64(40000000 + i)
			card := mapping.RenderContact(mapping.ContactView{Company: company, Contact: mapping.Contact{ID: id, CompanyID: 174, IsActive: 1,
				FirstName: "First", LastName: fmt.Sprint("Last", i), Title: "Office Manager", EmailAddress: fmt.Sprintf("p%d@example.com", i),
				Phone: "+1 555 0100", Extension: "12", AddressLine: "1 Main Street", City: "Springfield", ZipCode: "62701"}})
			return storagetest.BulkObject{Href: mapping.Href(mapping.KindContact, id), UID: mapping.UID(mapping.KindContact, id, ""),
				Comp: "VCARD", Body: mapping.EncodeCard(card)}
		})
		conf := srv.write(t, "vdirsyncer-big.conf", sprintf(`[general]
status_path = "%[1]s/status-big/"

[pair contacts]
a = "remote"
b = "local"
collections = ["contacts"]
conflict_resolution = "a wins"

[storage remote]
type = "carddav"
url = "%[2]s/"
username = "big"
password = "big-password"

[storage local]
type = "filesystem"
path = "%[1]s/big/"
fileext = ".vcf"
`, srv.dir, srv.url))
		srv.run(t, strings.Repeat("y\n", 5), "vdirsyncer", "-c", conf, "discover")
		start := time.Now()
		srv.run(t, "", "vdirsyncer", "-c", conf, "sync")
		t.Logf("%s: vdirsyncer's first sync of %d cards took %v", srv.store.Dialect(), n, time.Since(start).Round(time.Millisecond))
		if got := fileCount(t, filepath.Join(srv.dir, "big", storage.CollContacts)); got != n {
			t.Fatalf("%d cards synced, want %d", got, n)
		}
		start = time.Now()
		out := srv.run(t, "", "vdirsyncer", "-c", conf, "sync")
		t.Logf("%s: the second sync took %v", srv.store.Dialect(), time.Since(start).Round(time.Millisecond))
		for _, verb := range []string{"Copying", "Updating", "Deleting"} {
			if strings.Contains(out, verb) {
				t.Fatalf("the second sync transferred:\n%s", out)
			}
		}
	}(t, startE2E(t, storagetest.OpenSQLite(t)))
}
