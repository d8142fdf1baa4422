package native

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// Options say how to read an import file.
type Options struct {
	// Entity names the entity of a file's top-level items when the file
	// does not ("entity" key); a --entity flag. Bundles name their own.
	Entity mapping.Entity
	// FileName is the file's name; its base ("Contacts.json") names the
	// entity when neither Entity nor the file does.
	FileName string
	// Progress, when set, hears how far the import is: stage "records"
	// (records written, of those in the file), then "rendering" (mirror
	// rows whose DAV objects were re-rendered, of those known so far).
	Progress func(stage string, done, total int)
}

// Report says what an import did.
type Report struct {
	Counts                      map[mapping.Entity]int // records in the file, by entity
	Created, Updated, Unchanged int
	Metadata                    []mapping.Entity // entities whose field metadata was saved
}

// Store is what an import needs of storage (*storage.Store): the tenant
// schema records are checked against, and one write transaction.
type Store interface {
	Schema(ctx context.Context) (*mapping.Schema, error)
	Write(ctx context.Context, fn func(ctx context.Context, tx *storage.Tx) error) error
}

var _ Store = (*storage.Store)(nil)

// Import reads a file of PSA records and field metadata (the shapes of the
// Autotask REST API: {"items": […]}, bundles keyed by entity name,
// entityInformation/fields) and writes it into the mirror. Every record is
// checked first; if anything is wrong the error is a *ValidationError
// listing the problems and nothing is written. Otherwise the whole file is
// applied in one transaction — metadata first, then records in dependency
// order (mapping.Entities) — and DAV objects are re-rendered before it
// commits. Records the mirror already holds unchanged bump nothing.
//
// The transaction is bounded by ctx's deadline, or by the store's query
// timeout when ctx has none: give a big file a deadline of its own.
func Import(ctx context.Context, s Store, r io.Reader, opts Options) (Report, error) {
	fc, err := readFile(r)
	if err != nil {
		return Report{}, err
	}
	sections := fc.sections(opts)
	stored, err := s.Schema(ctx)
	if err != nil {
		return Report{}, err
	}
	b := check(sections, newSchemaView(stored), &fc.problems)
	if err := fc.problems.err(); err != nil {
		return Report{}, err
	}
	var rep Report
	err = s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rep = Report{Counts: map[mapping.Entity]int{}}
		if opts.Progress != nil {
			tx.OnProjection(func(done, total int) { opts.Progress("rendering", done, total) })
		}
		return b.apply(ctx, tx, &rep, opts.Progress)
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

// sections names the entity of the file's top-level part and merges it
// with the bundle's entries. Problems go to the file's list.
func (fc *fileContent) sections(opts Options) map[mapping.Entity]*section {
	ps := &fc.problems
	out := fc.bundle
	if fc.top == nil {
		if len(out) == 0 {
			ps.add(Problem{Reason: `the file holds nothing to import: want {"items": […]}, {"fields": […]} or entity names as keys`})
		}
		return out
	}
	var hint, key mapping.Entity
	if opts.Entity != "" {
		e, ok := ParseEntity(string(opts.Entity))
		if !ok {
			ps.add(Problem{Reason: fmt.Sprintf("unknown entity %q (known: %s)", opts.Entity, knownEntities())})
			return out
		}
		hint = e
	}
	if fc.entityKey != "" {
		e, ok := ParseEntity(fc.entityKey)
		if !ok {
			ps.add(Problem{Reason: fmt.Sprintf("the file's \"entity\" %q is unknown (known: %s)", fc.entityKey, knownEntities())})
			return out
		}
		key = e
	}
	e := hint
	switch {
	case hint != "" && key != "" && hint != key:
		ps.add(Problem{Reason: fmt.Sprintf("the file says its entity is %s, but %s was asked for", key, hint)})
		return out
	case e == "":
		e = key
	}
	if e == "" {
		var ok bool
		if e, ok = entityFromFileName(opts.FileName); !ok {
			ps.add(Problem{Reason: "cannot tell which entity the items are: name it with an \"entity\" key, " +
				"the entity option, or the file name (Contacts.json)"})
			return out
		}
	}
	if prev := out[e]; prev != nil {
		if prev.hasFields && fc.top.hasFields {
			ps.add(Problem{Entity: e, Reason: "field metadata appears twice"})
		}
		prev.items = append(prev.items, fc.top.items...)
		prev.fields = append(prev.fields, fc.top.fields...)
		prev.hasFields = prev.hasFields || fc.top.hasFields
		return out
	}
	out[e] = fc.top
	return out
}

func knownEntities() string {
	names := make([]string, len(mapping.Entities))
	for i, e := range mapping.Entities {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// batch is a checked file, ready to apply.
type batch struct {
	meta    map[mapping.Entity]*entityMeta
	records map[mapping.Entity][]record
}

type entityMeta struct {
	fields    []mapping.FieldInfo
	picklists map[string][]mapping.PicklistValue
}

// check turns sections into a batch: metadata first, since a file's own
// metadata is what its records are checked against.
func check(sections map[mapping.Entity]*section, view *schemaView, ps *problems) *batch {
	b := &batch{meta: map[mapping.Entity]*entityMeta{}, records: map[mapping.Entity][]record{}}
	for _, e := range mapping.Entities {
		sec := sections[e]
		if sec == nil || !sec.hasFields {
			continue
		}
		fields, lists := metadata(e, sec.fields, ps)
		b.meta[e] = &entityMeta{fields: fields, picklists: lists}
		view.setFile(e, fields)
	}
	for _, e := range mapping.Entities {
		if sec := sections[e]; sec != nil && len(sec.items) > 0 {
			b.records[e] = newRules(e, view).checkItems(sec.items, ps)
		}
	}
	return b
}

// apply writes the batch inside one transaction.
func (b *batch) apply(ctx context.Context, tx *storage.Tx, rep *Report, progress func(string, int, int)) error {
	total, done := 0, 0
	for _, rs := range b.records {
		total += len(rs)
	}
	for _, e := range mapping.Entities {
		m := b.meta[e]
		if m == nil {
			continue
		}
		if err := tx.SaveFields(ctx, e, m.fields); err != nil {
			return fmt.Errorf("import: saving %s field metadata: %w", e, err)
		}
		rep.Metadata = append(rep.Metadata, e)
		names := make([]string, 0, len(m.picklists))
		for name := range m.picklists {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := tx.SavePicklist(ctx, e, name, m.picklists[name]); err != nil {
				return fmt.Errorf("import: saving the %s %s picklist: %w", e, name, err)
			}
		}
	}
	for _, e := range mapping.Entities {
		ids := make([]int64, len(b.records[e]))
		for i, r := range b.records[e] {
			ids[i] = r.id
		}
		if err := tx.PrefetchStates(ctx, e, ids); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		for _, r := range b.records[e] {
			res, err := tx.UpsertPSA(ctx, e, r.rec, r.raw)
			if err != nil {
				return fmt.Errorf("import: %s id %d: %w", e, r.id, err)
			}
			rep.Counts[e]++
			if done++; progress != nil && (done%100 == 0 || done == total) {
				progress("records", done, total)
			}
			switch {
			case res.Created:
				rep.Created++
			case res.Changed:
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
	}
	return nil
}
