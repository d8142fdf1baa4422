package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

type fieldInfoRow struct {
	bun.BaseModel   `bun:"table:psa_field_info"`
	Entity          string    `bun:"entity,pk"`
	Field           string    `bun:"field,pk"`
	DataType        string    `bun:"data_type,notnull"`
	Length          int       `bun:"length,notnull"`
	IsRequired      bool      `bun:"is_required,notnull"`
	IsReadOnly      bool      `bun:"is_read_only,notnull"`
	IsQueryable     bool      `bun:"is_queryable,notnull"`
	IsPicklist      bool      `bun:"is_picklist,notnull"`
	ReferenceEntity string    `bun:"reference_entity,notnull"`
	IsUDF           bool      `bun:"is_udf,notnull"`
	FetchedAt       time.Time `bun:"fetched_at,notnull"`
}

type picklistRow struct {
	bun.BaseModel `bun:"table:psa_picklist"`
	Entity        string `bun:"entity,pk"`
	Field         string `bun:"field,pk"`
	Value         string `bun:"value,pk"`
	Label         string `bun:"label,notnull"`
	IsActive      bool   `bun:"is_active,notnull"`
	IsSystem      bool   `bun:"is_system,notnull"`
	IsDefault     bool   `bun:"is_default,notnull"`
	SortOrder     int    `bun:"sort_order,notnull"`
	ParentValue   string `bun:"parent_value,notnull"`
}

// schemaCache keeps the loaded schema for a short while: metadata changes
// rarely (a connector refreshes it daily), and another process may write it.
type schemaCache struct {
	schema *mapping.Schema
	at     time.Time
}

const schemaTTL = time.Minute

// Schema returns the tenant's field metadata: the defaults overlaid with
// what is stored in psa_field_info and psa_picklist.
func (s *Store) Schema(ctx context.Context) (*mapping.Schema, error) {
	s.schemaMu.Lock()
	c := s.schema
	s.schemaMu.Unlock()
	if c != nil && s.now().Sub(c.at) < schemaTTL {
		return c.schema, nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	sc, err := loadSchema(ctx, s.db)
	if err != nil {
		return nil, err
	}
	s.schemaMu.Lock()
	s.schema = &schemaCache{schema: sc, at: s.now()}
	s.schemaMu.Unlock()
	return sc, nil
}

// schema returns the schema as this transaction sees it.
func (t *Tx) schema(ctx context.Context) (*mapping.Schema, error) {
	if sc, ok := t.proj.cache["schema"].(*mapping.Schema); ok {
		return sc, nil
	}
	if sc, ok := t.s.config.get(t, "schema").(*mapping.Schema); ok {
		t.proj.cache["schema"] = sc
		return sc, nil
	}
	sc, err := loadSchema(ctx, t.tx)
	if err != nil {
		return nil, err
	}
	t.proj.cache["schema"] = sc
	t.s.config.put(t, "schema", sc)
	return sc, nil
}

func loadSchema(ctx context.Context, db bun.IDB) (*mapping.Schema, error) {
	sc := mapping.NewSchema()
	var fields []fieldInfoRow
	if err := db.NewSelect().Model(&fields).Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading field metadata: %w", err)
	}
	for _, f := range fields {
		sc.SetField(mapping.Entity(f.Entity), mapping.FieldInfo{Name: f.Field, DataType: f.DataType, Length: f.Length,
			Required: f.IsRequired, ReadOnly: f.IsReadOnly, Picklist: f.IsPicklist})
	}
	var values []picklistRow
	if err := db.NewSelect().Model(&values).Order("entity", "field", "sort_order").Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading picklists: %w", err)
	}
	type key struct{ entity, field string }
	lists := map[key][]mapping.PicklistValue{}
	var order []key
	for _, v := range values {
		k := key{v.Entity, v.Field}
		if _, seen := lists[k]; !seen {
			order = append(order, k)
		}
		lists[k] = append(lists[k], mapping.PicklistValue{Value: v.Value, Label: v.Label, Active: v.IsActive,
			System: v.IsSystem, Default: v.IsDefault, SortOrder: v.SortOrder, ParentValue: v.ParentValue})
	}
	for _, k := range order {
		sc.SetPicklist(mapping.Entity(k.entity), k.field, lists[k])
	}
	return sc, nil
}

// SaveFields stores field metadata of one entity, replacing what was there.
func (t *Tx) SaveFields(ctx context.Context, entity mapping.Entity, fields []mapping.FieldInfo) error {
	if _, err := t.tx.NewDelete().Model((*fieldInfoRow)(nil)).Where("entity = ?", string(entity)).Exec(ctx); err != nil {
		return err
	}
	for _, f := range fields {
		row := fieldInfoRow{Entity: string(entity), Field: f.Name, DataType: f.DataType, Length: f.Length,
			IsRequired: f.Required, IsReadOnly: f.ReadOnly, IsQueryable: true, IsPicklist: f.Picklist, FetchedAt: t.now}
		if _, err := t.tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
	}
	t.schemaChanged()
	return nil
}

// SavePicklist stores a picklist, replacing what was there. A change of
// the action type View picklist re-renders every to-do.
func (t *Tx) SavePicklist(ctx context.Context, entity mapping.Entity, field string, values []mapping.PicklistValue) error {
	if _, err := t.tx.NewDelete().Model((*picklistRow)(nil)).Where("entity = ? AND field = ?", string(entity), field).Exec(ctx); err != nil {
		return err
	}
	for _, v := range values {
		row := picklistRow{Entity: string(entity), Field: field, Value: v.Value, Label: v.Label, IsActive: v.Active,
			IsSystem: v.System, IsDefault: v.Default, SortOrder: v.SortOrder, ParentValue: v.ParentValue}
		if _, err := t.tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
	}
	t.schemaChanged()
	return t.picklistChanged(ctx, entity, field)
}

func (t *Tx) schemaChanged() {
	delete(t.proj.cache, "schema")
	t.markAccountsChanged() // other processes reload the schema
	t.s.schemaMu.Lock()
	t.s.schema = nil
	t.s.schemaMu.Unlock()
}
