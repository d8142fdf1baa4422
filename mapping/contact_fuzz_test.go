package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzContactCard feeds arbitrary bodies through what a PUT does: read the
// card, apply it under each rule set, store the kept properties, render and
// merge them back. Nothing may panic; a body is refused only with a
// Refusal; and whatever is accepted must render and merge into a card that
// decodes again (stored kept data that cannot be read back would break
// every later GET of the contact).
//
//	go test ./mapping -fuzz FuzzContactCard
func FuzzContactCard(f *testing.F) {
	for _, dir := range []string{"clients", "render"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.vcf"))
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A B\r\nTEL;WORK;VOICE:+1 x1\r\nitem1.ADR;TYPE=\"a:b\":;;;;;;\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		card, err := ReadContactCard(body)
		if err != nil {
			var r *Refusal
			if !errors.As(err, &r) {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		full := goldenViews()["full"]
		for _, w := range []ContactWrite{
			{Card: card, Schema: testSchema(), Countries: []Country{germany}, Editable: true},
			{Card: card, Current: &full, Company: full.Company, Schema: testSchema(), Countries: []Country{germany}},
			{Card: card, Current: &full, Company: full.Company, Schema: testSchema(), Countries: []Country{germany}, Editable: true, Strict: true, Fill: true},
		} {
			res, err := ApplyContactCard(w)
			if err != nil {
				var r *Refusal
				if !errors.As(err, &r) || r.Message == "" {
					t.Fatalf("not a refusal: %v", err)
				}
				continue
			}
			kept := EncodeKeptCard(res.Kept)
			if _, err := DecodeKeptCard(kept); err != nil {
				t.Fatalf("kept properties do not decode: %v\n%s", err, kept)
			}
			view := ContactView{Contact: res.Contact, Company: w.Company}
			rendered := EncodeCard(RenderContact(view))
			merged, err := MergeKeptCard(rendered, kept)
			if err != nil {
				t.Fatalf("merge: %v\n%s", err, kept)
			}
			for _, version := range []string{"3.0", "4.0"} {
				dec, err := DecodeCard(merged)
				if err != nil {
					t.Fatalf("merged card does not decode: %v\n%s", err, merged)
				}
				if _, err := DecodeCard(EncodeCard(ConvertCard(dec, version))); err != nil {
					t.Fatalf("vCard %s of the merged card does not decode: %v", version, err)
				}
			}
		}
	})
}
