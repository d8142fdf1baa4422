package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

func TestProbeBigNotePut(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		setting(t, s, "contact-policy", "two-way")
		for _, n := range []int{30_000} {
			text := strings.TrimSpace(strings.Repeat("Backup report for the Munich site. ", n)) // 1 MB
			card := cardWithNote(t, s, f.aliceBk, "contact-12.vcf", text)
			start := time.Now()
			_, err := putCard(s, f.alice, f.aliceBk, "contact-12.vcf", card)
			d1 := time.Since(start)
			t.Logf("%d bytes: first PUT %v (%v)", len(card), d1, err)
		}
	})
}
