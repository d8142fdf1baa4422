package storage

import (
	"context"
	"slices"

	"github.com/psadav/psadav/mapping"
)

// Contacts appear in address books (docs/psa-model.md, "Who sees what"):
//   - a user's contacts book holds, with scope mine, the active contacts of
//     companies whose account manager is the user plus those of companies
//     where the user owns an open opportunity; with scope all every active
//     contact; with scope none nothing (the book does not exist);
//   - the all-contacts book, when enabled, holds every active contact;
//   - a contact a user created, or linked a new card to, stays in the book
//     they wrote it to whatever its scope (pinned, write_contact_links.go), as
//     the cards the user's client wrote there, each at its own href under
//     its own UID (client identities, client_identity.go).
//
// Companies, opportunities, countries and journal notes do not render
// objects of their own; a change to one re-renders the contacts it shows in.

type contactProjector struct{}

func (contactProjector) dependents(context.Context, *Tx, mirrorRow) ([]sourceKey, error) {
	return nil, nil
}

func (contactProjector) place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error) {
	r := row.(*contactRow)
	if !r.Live() || !r.Contact.Active() {
		return nil, nil
	}
	company, err := t.companyByRef(ctx, r.CompanyID)
	if err != nil {
		return nil, err
	}
	users, err := t.userIndex(ctx)
	if err != nil {
		return nil, err
	}
	pins, err := t.pinnedCollections(ctx, mapping.EntityContacts, r.RID)
	if err != nil {
		return nil, err
	}
	var colls []int64
	var owners map[int64]bool
	for _, u := range users.users {
		if id, ok := u.collections[CollContacts]; ok {
			in := u.settings.ContactsScope == ScopeAll || slices.Contains(pins, id)
			if !in && u.settings.ContactsScope == ScopeMine && u.resourceID != nil && company != nil {
				if owners == nil {
					if owners, err = t.contactOwners(ctx, company); err != nil {
						return nil, err
					}
				}
				in = owners[*u.resourceID]
			}
			if in {
				colls = append(colls, id)
			}
		}
		if id, ok := u.collections[CollAllContacts]; ok {
			colls = append(colls, id)
		}
	}
	if len(colls) == 0 {
		return nil, nil
	}
	view, err := t.contactView(ctx, r, company)
	if err != nil {
		return nil, err
	}
	body := mapping.EncodeCard(mapping.RenderContact(view))
	ref := r.RefID()
	// A card's kept NOTE is served while the PSA holds what it stood for
	// (mapping/contact_note.go); the state is summed up once, for the
	// first card that keeps one.
	state := ""
	merger := mapping.CardMerger{NoteState: func() string {
		if state == "" {
			state = mapping.NoteState(view.Contact.Note, view.Journal)
		}
		return state
	}}
	out := make([]placement, len(colls))
	for i, id := range colls {
		out[i] = placement{collectionID: id, href: mapping.Href(mapping.KindContact, ref),
			uid: mapping.UID(mapping.KindContact, ref, r.ClientUID), comp: "VCARD", body: body,
			merge: merger.Merge, mergeAs: merger.MergeAs}
	}
	return out, nil
}

// contactView gathers what a contact's card shows of other records.
func (t *Tx) contactView(ctx context.Context, r *contactRow, company *companyRow) (mapping.ContactView, error) {
	v := mapping.ContactView{Contact: r.Contact, ClientUID: r.ClientUID}
	v.Contact.ID = r.RefID()
	if company != nil {
		v.Company = &company.Company
	}
	// Few cards in this transaction: read what each needs. Many (an
	// import, a rebuild): read the countries and which contacts have notes
	// once.
	bulk := t.proj.projected >= 32
	if r.CountryID != nil {
		if bulk {
			countries, err := t.countriesByID(ctx)
			if err != nil {
				return v, err
			}
			if c, ok := countries[*r.CountryID]; ok {
				v.Country = &c
			}
		} else if row, err := t.loadRowByRef(ctx, mapping.EntityCountries, *r.CountryID); err == nil {
			v.Country = &row.(*countryRow).Country
		} else if err != ErrNotFound {
			return v, err
		}
	}
	hasNotes := !bulk
	if bulk {
		withNotes, err := t.contactsWithNotes(ctx)
		if err != nil {
			return v, err
		}
		hasNotes = withNotes[r.RefID()]
	}
	if hasNotes {
		var notes []companyNoteRow
		if err := t.scanAll(ctx, &notes, t.s.notesOfContactSQL(), r.RefID()); err != nil {
			return v, err
		}
		for _, n := range notes {
			e := n.CompanyNote
			e.ID = n.RefID()
			v.Journal = append(v.Journal, e)
		}
	}
	schema, err := t.schema(ctx)
	if err != nil {
		return v, err
	}
	if r.NamePrefix != nil {
		v.NamePrefix = schema.Label(mapping.EntityContacts, "namePrefix", *r.NamePrefix)
	}
	if r.NameSuffix != nil {
		v.NameSuffix = schema.Label(mapping.EntityContacts, "nameSuffix", *r.NameSuffix)
	}
	return v, nil
}

// countries are the PSA's countries, for address country text.
func (t *Tx) countries(ctx context.Context) ([]mapping.Country, error) {
	if cs, ok := t.proj.cache["countries"].([]mapping.Country); ok {
		return cs, nil
	}
	var rows []countryRow
	if err := t.tx.NewSelect().Model(&rows).Where("psa_deleted_at IS NULL").Order("rid").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]mapping.Country, len(rows))
	for i := range rows {
		out[i] = rows[i].Country
		out[i].ID = rows[i].RefID()
	}
	t.proj.cache["countries"] = out
	return out, nil
}

// countriesByID is every country by PSA id, read once per transaction (a
// few hundred at most).
func (t *Tx) countriesByID(ctx context.Context) (map[int64]mapping.Country, error) {
	const key = "countries-by-id"
	if m, ok := t.proj.cache[key].(map[int64]mapping.Country); ok {
		return m, nil
	}
	list, err := t.countries(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]mapping.Country, len(list))
	for _, c := range list {
		m[c.ID] = c
	}
	t.proj.cache[key] = m
	return m, nil
}

// contactsWithNotes is the set of contacts that have journal notes, read
// once per transaction: most contacts have none, and their cards then need
// no query.
func (t *Tx) contactsWithNotes(ctx context.Context) (map[int64]bool, error) {
	const key = "contacts-with-notes"
	if m, ok := t.proj.cache[key].(map[int64]bool); ok {
		return m, nil
	}
	var ids []int64
	if err := t.tx.NewSelect().Table("psa_company_notes").ColumnExpr("DISTINCT contact_id").
		Where("contact_id IS NOT NULL AND psa_deleted_at IS NULL").Scan(ctx, &ids); err != nil {
		return nil, err
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	t.proj.cache[key] = m
	return m, nil
}

// companyByRef reads a company by reference id, cached for the transaction.
func (t *Tx) companyByRef(ctx context.Context, ref int64) (*companyRow, error) {
	key := "company:" + itoa(ref)
	if c, ok := t.proj.cache[key]; ok {
		return c.(*companyRow), nil
	}
	row, err := t.loadRowByRef(ctx, mapping.EntityCompanies, ref)
	if err == ErrNotFound {
		t.proj.cache[key] = (*companyRow)(nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := row.(*companyRow)
	if !c.Live() {
		c = nil
	}
	t.proj.cache[key] = c
	return c, nil
}

// contactOwners are the resources whose "mine" scope includes the company's
// contacts: its account manager and the owners of its open opportunities.
func (t *Tx) contactOwners(ctx context.Context, company *companyRow) (map[int64]bool, error) {
	key := "owners:" + itoa(company.RefID())
	if m, ok := t.proj.cache[key]; ok {
		return m.(map[int64]bool), nil
	}
	owners := map[int64]bool{}
	if company.OwnerResourceID != nil {
		owners[*company.OwnerResourceID] = true
	}
	var opps []opportunityRow
	if err := t.scanAll(ctx, &opps, qOwners, company.RefID()); err != nil {
		return nil, err
	}
	schema, err := t.schema(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range opps {
		if schema.OpportunityOpen(o.Status) {
			owners[o.OwnerResourceID] = true
		}
	}
	t.proj.cache[key] = owners
	return owners, nil
}

// The records that render into contacts.

type companyDeps struct{}

func (companyDeps) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	r := row.(*companyRow)
	t.forget("company:"+itoa(r.RefID()), "owners:"+itoa(r.RefID()))
	keys, err := t.ridsWhere(ctx, mapping.EntityContacts, "company_id = ?", r.RefID())
	if err != nil {
		return nil, err
	}
	// To-dos and service calls show the company's name and address.
	for _, e := range []mapping.Entity{mapping.EntityCompanyToDos, mapping.EntityServiceCalls} {
		more, err := t.ridsWhere(ctx, e, "company_id = ?", r.RefID())
		if err != nil {
			return nil, err
		}
		keys = append(keys, more...)
	}
	return keys, nil
}

func (companyDeps) place(context.Context, *Tx, mirrorRow) ([]placement, error) { return nil, nil }

type opportunityDeps struct{}

func (opportunityDeps) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	r := row.(*opportunityRow)
	t.forget("owners:" + itoa(r.CompanyID))
	return t.ridsWhere(ctx, mapping.EntityContacts, "company_id = ?", r.CompanyID)
}

func (opportunityDeps) place(context.Context, *Tx, mirrorRow) ([]placement, error) { return nil, nil }

type countryDeps struct{}

func (countryDeps) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	r := row.(*countryRow)
	t.forget("countries", "countries-by-id")
	return t.ridsWhere(ctx, mapping.EntityContacts, "country_id = ?", r.RefID())
}

func (countryDeps) place(context.Context, *Tx, mirrorRow) ([]placement, error) { return nil, nil }

type companyNoteDeps struct{}

func (companyNoteDeps) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	r := row.(*companyNoteRow)
	t.forget("contacts-with-notes")
	if r.ContactID == nil {
		return nil, nil
	}
	return t.ridsWhere(ctx, mapping.EntityContacts, "psa_id = ? OR rid = ?", *r.ContactID, -*r.ContactID)
}

func (companyNoteDeps) place(context.Context, *Tx, mirrorRow) ([]placement, error) { return nil, nil }

// ridsWhere lists the rows of entity matching a condition, as source keys.
func (t *Tx) ridsWhere(ctx context.Context, entity mapping.Entity, where string, args ...any) ([]sourceKey, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return nil, err
	}
	var rids []int64
	if err := t.tx.NewSelect().Table(info.table).Column("rid").Where(where, args...).Scan(ctx, &rids); err != nil {
		return nil, err
	}
	keys := make([]sourceKey, len(rids))
	for i, rid := range rids {
		keys[i] = sourceKey{entity, rid}
	}
	return keys, nil
}

// forget drops cached values that a write made stale.
func (t *Tx) forget(keys ...string) {
	for _, k := range keys {
		delete(t.proj.cache, k)
	}
}
