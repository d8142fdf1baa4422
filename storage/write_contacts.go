package storage

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// contactWriter applies client writes to address books under the contact
// rules (docs/write-back.md, "Contacts"; mapping.ApplyContactCard
// decides field by field). Everything happens in the request's one
// transaction: mirror rows, pins, kept properties, outbox entries, and the
// projection that re-renders every book the contact is in.
type contactWriter struct{}

// contactPut is one PUT of a card.
type contactPut struct {
	req  *PutRequest
	card *mapping.ContactCard
	org  *OrgSettings
}

func (contactWriter) put(ctx context.Context, t *Tx, req *PutRequest, existing *objectRow) (sourceKey, error) {
	card, err := mapping.ReadContactCard(req.Body)
	if err != nil {
		return sourceKey{}, err
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return sourceKey{}, err
	}
	p := &contactPut{req: req, card: card, org: org}
	if existing == nil {
		return t.createContact(ctx, p)
	}
	if existing.SourceEntity != string(mapping.EntityContacts) {
		return sourceKey{}, fmt.Errorf("storage: object %s in %s is a %s", existing.Href, req.Collection.Name, existing.SourceEntity)
	}
	if err := uidUnchanged(existing, p.card.UID); err != nil {
		return sourceKey{}, err
	}
	row, err := t.loadRow(ctx, mapping.EntityContacts, existing.SourceRID)
	if err != nil {
		return sourceKey{}, err
	}
	return t.updateContact(ctx, p, row.(*contactRow), false, false)
}

// updateContact applies a card to an existing contact. link: the card was
// PUT to a new href and is being linked to the contact (fill, not
// replace); keepOrg: the card's ORG named no company and stays the user's
// text. What the PSA cannot hold is kept for the card at the PUT's href.
func (t *Tx) updateContact(ctx context.Context, p *contactPut, row *contactRow, link, keepOrg bool) (sourceKey, error) {
	key := sourceKey{mapping.EntityContacts, row.RID}
	company, err := t.companyByRef(ctx, row.CompanyID)
	if err != nil {
		return key, err
	}
	view, err := t.contactView(ctx, row, company)
	if err != nil {
		return key, err
	}
	kept, err := t.keptAt(ctx, p.req.Collection.ID, p.req.Href, key)
	if err != nil {
		return key, err
	}
	w, err := t.contactWrite(ctx, p, company)
	if err != nil {
		return key, err
	}
	keptNote, refs, err := t.keptNoteRefs(ctx, kept)
	if err != nil {
		return key, err
	}
	acct := p.req.Account
	owned := row.Origin == OriginClient && row.OriginUserID != nil && *row.OriginUserID == acct.ID
	w.Current, w.Fill, w.KeptNote = &view, link, keptNote
	w.Editable = p.org.ContactPolicy == "two-way" || owned
	keptOrg := mapping.KeptOrg(kept)
	w.KeptOrg = keepOrg || (keptOrg != "" && (company == nil || !strings.EqualFold(keptOrg, strings.TrimSpace(company.CompanyName))))
	res, err := mapping.ApplyContactCard(w)
	if err != nil {
		return key, err
	}
	var out int64
	if len(res.Changed) > 0 {
		rec := res.Contact
		if err := t.UpdateFromClient(ctx, mapping.EntityContacts, row.RID, &rec); err != nil {
			return key, err
		}
		if out, err = t.Enqueue(ctx, mapping.EntityContacts, row.RID, OpUpdate, mapping.ContactPayload(&rec, res.Changed),
			&acct.ID, acct.ResourceID); err != nil {
			return key, err
		}
	}
	if err := t.writeContinuation(ctx, noteWrite{acct: acct, contactRef: row.RefID(), companyRef: row.CompanyID, res: &res,
		refs: refs, contactOut: out, noteLimit: w.Schema.MaxLength(mapping.EntityContacts, "note")}); err != nil {
		return key, err
	}
	return key, t.setKeptAt(ctx, p.req.Collection.ID, p.req.Href, key, mapping.EncodeKeptCard(res.Kept))
}

// contactWrite is the part of a mapping.ContactWrite every write shares.
func (t *Tx) contactWrite(ctx context.Context, p *contactPut, company *companyRow) (mapping.ContactWrite, error) {
	schema, err := t.schema(ctx)
	if err != nil {
		return mapping.ContactWrite{}, err
	}
	// Only a card that names a country needs the PSA's list of them.
	var countries []mapping.Country
	if p.card.Address.Country != "" || p.card.Address.CountryCode != "" {
		if countries, err = t.countries(ctx); err != nil {
			return mapping.ContactWrite{}, err
		}
	}
	w := mapping.ContactWrite{Card: p.card, Schema: schema, Countries: countries, Strict: p.org.WriteBackMode == "strict"}
	if company != nil {
		c := company.Company
		c.ID = company.RefID()
		w.Company = &c
	}
	return w, nil
}

// createContact handles a PUT to a new href: a card whose UID names a
// contact, or that duplicates one, is linked to it; otherwise a contact
// is created under the company its ORG names (see planCompany). Either
// way the card is a client identity of the contact: its href, UID and
// kept properties are the client's.
func (t *Tx) createContact(ctx context.Context, p *contactPut) (sourceKey, error) {
	if p.card.UID == "" {
		// RFC 6350 requires a UID; one derived from the href stays stable
		// when the client retries the same PUT.
		p.card.UID = strings.TrimSuffix(p.req.Href, path.Ext(p.req.Href))
	}
	if err := t.checkUID(ctx, p.req, p.card.UID); err != nil {
		return sourceKey{}, err
	}
	if row, err := t.contactByUID(ctx, p.card.UID); err != nil || row != nil {
		if err != nil {
			return sourceKey{}, err
		}
		keep, err := t.orgIsUsersText(ctx, p, row)
		if err != nil {
			return sourceKey{}, err
		}
		return t.linkContact(ctx, p, row, keep)
	}
	plan, err := t.planCompany(ctx, p.card.Org, p.org)
	if err != nil {
		return sourceKey{}, err
	}
	w, err := t.contactWrite(ctx, p, plan.company)
	if err != nil {
		return sourceKey{}, err
	}
	w.Editable, w.KeptOrg = true, plan.keepOrg
	res, err := mapping.ApplyContactCard(w)
	if err != nil {
		return sourceKey{}, err
	}
	if plan.create == "" {
		dup, err := t.findDuplicate(ctx, plan.ref, &res.Contact)
		if err != nil || dup != nil {
			if err != nil {
				return sourceKey{}, err
			}
			return t.linkContact(ctx, p, dup, plan.keepOrg)
		}
	} else if plan.ref, err = t.createCompany(ctx, p.req.Account, plan.create, &res.Contact); err != nil {
		return sourceKey{}, err
	}
	rec := res.Contact
	rec.CompanyID, rec.IsActive = plan.ref, 1
	acct := p.req.Account
	rid, err := t.InsertClient(ctx, mapping.EntityContacts, &rec, acct.ID, p.card.UID)
	if err != nil {
		return sourceKey{}, err
	}
	key := sourceKey{mapping.EntityContacts, rid}
	out, err := t.Enqueue(ctx, mapping.EntityContacts, rid, OpCreate, mapping.ContactPayload(&rec, mapping.ContactCreateFields(&rec)),
		&acct.ID, acct.ResourceID)
	if err != nil {
		return key, err
	}
	if err := t.writeContinuation(ctx, noteWrite{acct: acct, contactRef: -rid, companyRef: rec.CompanyID, res: &res,
		contactOut: out, noteLimit: w.Schema.MaxLength(mapping.EntityContacts, "note")}); err != nil {
		return key, err
	}
	collID := p.req.Collection.ID
	if err := t.pin(ctx, collID, mapping.EntityContacts, rid); err != nil {
		return key, err
	}
	return key, t.addIdentity(ctx, collID, p.req.Href, key, p.card.UID, mapping.EncodeKeptCard(res.Kept))
}

// linkContact makes a new card at the PUT's href one more card of an
// existing contact: pinned to (and un-hidden in) the book, at the href and
// under the UID the client chose, with the card applied as a fill. A card
// the book already shows of the contact stays as it is, beside the new
// one (adoptObject). A contact deactivated by a client DELETE
// (contact-delete=deactivate) is active again: re-creating a deleted card
// is the inverse of deleting it. Otherwise an inactive contact cannot be
// linked.
func (t *Tx) linkContact(ctx context.Context, p *contactPut, row *contactRow, keepOrg bool) (sourceKey, error) {
	key := sourceKey{mapping.EntityContacts, row.RID}
	// What the client sees of the contact now, before this write changes
	// anything (a reactivation would place the contact anew), stays.
	collID := p.req.Collection.ID
	if err := t.adoptObject(ctx, collID, key); err != nil {
		return key, err
	}
	if !row.Contact.Active() {
		if p.org.ContactDelete != "deactivate" {
			return key, &mapping.Refusal{Code: mapping.RefuseUIDConflict,
				Message: fmt.Sprintf("this card is PSA contact %d, which is inactive in the PSA: reactivate it there, or give the card a new UID", row.RefID())}
		}
		if err := t.setContactActive(ctx, p.req.Account, row, 1); err != nil {
			return key, err
		}
		reloaded, err := t.loadRow(ctx, mapping.EntityContacts, row.RID)
		if err != nil {
			return key, err
		}
		row = reloaded.(*contactRow)
	}
	if err := t.pin(ctx, collID, mapping.EntityContacts, row.RID); err != nil {
		return key, err
	}
	if err := t.addIdentity(ctx, collID, p.req.Href, key, p.card.UID, ""); err != nil {
		return key, err
	}
	_, err := t.updateContact(ctx, p, row, true, keepOrg)
	return key, err
}

// orgIsUsersText reports whether a card linked to a contact carries an ORG
// that names no company where the unknown-company rule filed the contact
// under the default company: the text stays the user's.
func (t *Tx) orgIsUsersText(ctx context.Context, p *contactPut, row *contactRow) (bool, error) {
	if p.card.Org == "" || p.org.UnknownCompany != "default-company" || row.CompanyID != p.org.DefaultCompanyID {
		return false, nil
	}
	found, err := t.findCompany(ctx, p.card.Org)
	return found == nil, err
}

// setContactActive changes a contact's isActive in the mirror and queues
// the same change for the PSA: a deactivated contact leaves every book.
func (t *Tx) setContactActive(ctx context.Context, acct Account, row *contactRow, active int) error {
	if row.IsActive == active {
		return nil
	}
	rec := row.Contact
	rec.IsActive = active
	if err := t.UpdateFromClient(ctx, mapping.EntityContacts, row.RID, &rec); err != nil {
		return err
	}
	_, err := t.Enqueue(ctx, mapping.EntityContacts, row.RID, OpUpdate, map[string]any{"isActive": active}, &acct.ID, acct.ResourceID)
	return err
}

// delete removes one card of the user's. While the book holds another card
// of the same contact, only this one goes. The last one follows
// contact-delete: hide the contact from this book for this user, or
// deactivate it in the PSA (it then leaves every book). A contact a
// client created follows the same setting.
func (contactWriter) delete(ctx context.Context, t *Tx, req *DeleteRequest, existing *objectRow) error {
	rid := existing.SourceRID
	key := sourceKey{mapping.EntityContacts, rid}
	id, err := t.identityAt(ctx, req.Collection.ID, req.Href, key)
	if err != nil {
		return err
	}
	if id != nil {
		left, err := t.dropIdentity(ctx, req.Collection.ID, req.Href, key)
		if err != nil || left > 0 {
			return err
		}
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	if org.ContactDelete == "deactivate" {
		row, err := t.loadRow(ctx, mapping.EntityContacts, rid)
		if err != nil {
			return err
		}
		return t.setContactActive(ctx, req.Account, row.(*contactRow), 0)
	}
	if err := t.unpin(ctx, req.Collection.ID, mapping.EntityContacts, rid); err != nil {
		return err
	}
	return t.HideObject(ctx, req.Collection.ID, mapping.EntityContacts, rid)
}
