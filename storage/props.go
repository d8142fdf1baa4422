package storage

import (
	"context"
	"fmt"
)

// DeadProp is a property a client set with PROPPATCH (a display name, a
// colour, an order, a me-card), stored per user and returned as set.
type DeadProp struct {
	NS, Name string
	Value    string // inner XML
	Lang     string // the xml:lang in scope when it was set, "" for none
}

// MaxDeadProps bounds how many properties one resource may carry.
const MaxDeadProps = 64

// Props returns the properties a user set on one of their resources
// ("contacts", "calendar", "addressbooks" for the home, …).
func (s *Store) Props(ctx context.Context, userID int64, resource string) ([]DeadProp, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []propRow
	if err := s.db.NewSelect().Model(&rows).Where("user_id = ? AND resource = ?", userID, resource).
		Order("ns", "name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading properties: %w", err)
	}
	out := make([]DeadProp, len(rows))
	for i, r := range rows {
		out[i] = DeadProp{NS: r.NS, Name: r.Name, Value: r.Value, Lang: r.Lang}
	}
	return out, nil
}

// SetProps sets and removes properties of one resource in one transaction:
// all of them or none (RFC 4918 §9.2).
func (s *Store) SetProps(ctx context.Context, userID int64, resource string, set, remove []DeadProp) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		for _, p := range remove {
			if _, err := t.tx.NewDelete().Model((*propRow)(nil)).
				Where("user_id = ? AND resource = ? AND ns = ? AND name = ?", userID, resource, p.NS, p.Name).Exec(ctx); err != nil {
				return err
			}
		}
		for _, p := range set {
			row := propRow{UserID: userID, Resource: resource, NS: p.NS, Name: p.Name, Value: p.Value, Lang: p.Lang}
			if _, err := t.tx.NewInsert().Model(&row).On("CONFLICT (user_id, resource, ns, name) DO UPDATE").
				Set("value = EXCLUDED.value").Set("lang = EXCLUDED.lang").Exec(ctx); err != nil {
				return err
			}
		}
		n, err := t.tx.NewSelect().Model((*propRow)(nil)).Where("user_id = ? AND resource = ?", userID, resource).Count(ctx)
		if err != nil {
			return err
		}
		if n > MaxDeadProps {
			return fmt.Errorf("%w: at most %d properties per resource", ErrConflict, MaxDeadProps)
		}
		return nil
	})
}

// Principal is what a user's principal shows of the linked PSA resource.
type Principal struct {
	DisplayName string
	Email       string
}

// PrincipalInfo reads the display name and e-mail of an account's resource.
func (s *Store) PrincipalInfo(ctx context.Context, a Account) (Principal, error) {
	p := Principal{DisplayName: a.Login}
	if a.ResourceID == nil {
		return p, nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var r resourceRow
	err := s.db.NewSelect().Model(&r).Column("first_name", "last_name", "email").Where("psa_id = ?", *a.ResourceID).Scan(ctx)
	if isNoRows(err) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("storage: reading resource: %w", err)
	}
	if name := joinNonEmpty(r.FirstName, r.LastName); name != "" {
		p.DisplayName = name
	}
	p.Email = r.Email
	return p, nil
}

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += p
	}
	return out
}

// ResourceByUserName finds the PSA id of the active resource with a user
// name (case-insensitive); ok is false when there is none.
func (s *Store) ResourceByUserName(ctx context.Context, userName string) (id int64, ok bool, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var ids []int64
	err = s.db.NewSelect().Table("psa_resources").Column("psa_id").
		Where("lower(user_name) = lower(?) AND psa_deleted_at IS NULL AND psa_id IS NOT NULL", userName).
		Limit(2).Scan(ctx, &ids)
	if err != nil {
		return 0, false, fmt.Errorf("storage: finding resource: %w", err)
	}
	if len(ids) != 1 {
		return 0, false, nil
	}
	return ids[0], true, nil
}
