package storage

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/psadav/psadav/mapping"
)

// Which company a client's new contact is filed under (docs/write-back.md,
// "Contacts"): an ORG naming an active company (case-insensitive,
// trimmed) files it there; no ORG files it under the default company; an
// ORG naming no company follows the unknown-company setting.

// companyPlan is where a new contact goes.
type companyPlan struct {
	company *companyRow // nil when the mirror lacks it, or it is yet to be created
	ref     int64       // the company's reference id
	keepOrg bool        // the ORG names no company: keep its text for the user
	create  string      // unknown-company=create: the name of the company to create
}

func (t *Tx) planCompany(ctx context.Context, org string, o *OrgSettings) (companyPlan, error) {
	if org == "" {
		return t.defaultCompany(ctx, o, false)
	}
	found, err := t.findCompany(ctx, org)
	if err != nil || found != nil {
		return companyPlan{company: found, ref: refOf(found)}, err
	}
	switch o.UnknownCompany {
	case "refuse":
		return companyPlan{}, &mapping.Refusal{Code: mapping.RefuseUnknownCompany, Fields: []string{"ORG"},
			Message: fmt.Sprintf("no active PSA company is called %q: correct the card's company (ORG), remove it to file the contact under the default company, or ask the PSA team to create the company first", org)}
	case "create":
		return companyPlan{create: org}, nil
	}
	return t.defaultCompany(ctx, o, true)
}

func refOf(c *companyRow) int64 {
	if c == nil {
		return 0
	}
	return c.RefID()
}

// defaultCompany is the default-company-id setting (0: the PSA's own
// company, id 0 in Autotask). The mirror need not have it: the PSA does.
func (t *Tx) defaultCompany(ctx context.Context, o *OrgSettings, keepOrg bool) (companyPlan, error) {
	c, err := t.companyByRef(ctx, o.DefaultCompanyID)
	return companyPlan{company: c, ref: o.DefaultCompanyID, keepOrg: keepOrg}, err
}

// findCompany finds the active company an ORG names, ignoring case and
// surrounding spaces; PSA-accepted and older companies win a tie.
func (t *Tx) findCompany(ctx context.Context, org string) (*companyRow, error) {
	name := strings.TrimSpace(org)
	var rids []int64
	q := t.tx.NewSelect().Table("psa_companies").Column("rid").
		Where("psa_deleted_at IS NULL AND is_active = ?", true).OrderExpr("psa_id IS NULL, psa_id, rid")
	if isASCII(name) {
		// lower() folds ASCII alike in SQLite and PostgreSQL.
		q = q.Where("lower(trim(company_name)) = ?", strings.ToLower(name)).Limit(1)
		if err := q.Scan(ctx, &rids); err != nil {
			return nil, err
		}
	} else {
		var rows []companyRow
		if err := t.tx.NewSelect().Model(&rows).Column("rid", "company_name").
			Where("psa_deleted_at IS NULL AND is_active = ?", true).OrderExpr("psa_id IS NULL, psa_id, rid").Scan(ctx); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if strings.EqualFold(strings.TrimSpace(r.CompanyName), name) {
				rids = append(rids, r.RID)
				break
			}
		}
	}
	if len(rids) == 0 {
		return nil, nil
	}
	row, err := t.loadRow(ctx, mapping.EntityCompanies, rids[0])
	if err != nil {
		return nil, err
	}
	return row.(*companyRow), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// newCompanyTypes are the company type labels a company created from a
// contact gets, the first the tenant has: such a company is a prospect
// until someone qualifies it.
var newCompanyTypes = []string{"Prospect", "Lead", "Customer"}

// createCompany adds the company an unknown ORG names (unknown-company =
// create, as eWay does) with the fields the PSA requires (docs/psa-model.md):
// the name, a company type (Prospect, else Lead, else Customer), the
// writing user's resource as account manager, and a phone number — the
// contact's (work, else mobile, else alternate): psadav never invents one,
// so a card without a phone number is refused with a message saying so.
// It queues the company's create and returns its reference id.
func (t *Tx) createCompany(ctx context.Context, acct Account, name string, contact *mapping.Contact) (int64, error) {
	schema, err := t.schema(ctx)
	if err != nil {
		return 0, err
	}
	if limit := schema.MaxLength(mapping.EntityCompanies, "companyName"); limit > 0 && mapping.PSALength(name) > limit {
		return 0, mapping.TooLong("ORG", limit, "companyName")
	}
	if acct.ResourceID == nil {
		return 0, &mapping.Refusal{Code: mapping.RefuseMissing, Fields: []string{"ORG"},
			Message: fmt.Sprintf("the PSA has no company %q, and creating one needs an account manager: your login is not linked to a PSA resource", name)}
	}
	phone := firstNonEmpty(contact.Phone, contact.MobilePhone, contact.AlternatePhone)
	if phone == "" {
		return 0, &mapping.Refusal{Code: mapping.RefuseMissing, Fields: []string{"TEL", "ORG"},
			Message: fmt.Sprintf("the PSA has no company %q, and a new company needs a phone number: add a work phone to the card", name)}
	}
	if limit := schema.MaxLength(mapping.EntityCompanies, "phone"); limit > 0 && mapping.PSALength(phone) > limit {
		return 0, mapping.TooLong("TEL", limit, "Companies.phone")
	}
	var companyType *int64
	for _, label := range newCompanyTypes {
		if codes := schema.Codes(mapping.EntityCompanies, "companyType", label); len(codes) > 0 {
			companyType = &codes[0]
			break
		}
	}
	if companyType == nil {
		return 0, &mapping.Refusal{Code: mapping.RefuseMissing, Fields: []string{"ORG"},
			Message: fmt.Sprintf("the PSA has no company %q, and psadav does not know the PSA's company types (Prospect, Lead or Customer) to create one", name)}
	}
	rec := mapping.Company{CompanyName: name, CompanyType: companyType, OwnerResourceID: acct.ResourceID, IsActive: true, Phone: phone}
	rid, err := t.InsertClient(ctx, mapping.EntityCompanies, &rec, acct.ID, "")
	if err != nil {
		return 0, err
	}
	fields := map[string]any{"companyName": rec.CompanyName, "companyType": *rec.CompanyType,
		"ownerResourceID": *rec.OwnerResourceID, "phone": rec.Phone, "isActive": true}
	if _, err := t.Enqueue(ctx, mapping.EntityCompanies, rid, OpCreate, fields, &acct.ID, acct.ResourceID); err != nil {
		return 0, err
	}
	return -rid, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
