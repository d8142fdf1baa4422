package storage

import (
	"time"

	"github.com/uptrace/bun"
)

// Gateway tables (the mirror's row types are in envelope.go).

type accountRow struct {
	bun.BaseModel `bun:"table:accounts"`
	ID            int64      `bun:"id,pk,autoincrement"`
	Login         string     `bun:"login,notnull"`
	PasswordHash  string     `bun:"password_hash,notnull"`
	ResourceID    *int64     `bun:"resource_id"`
	Enabled       bool       `bun:"enabled,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	LastLoginAt   *time.Time `bun:"last_login_at"`
}

type userSettingsRow struct {
	bun.BaseModel `bun:"table:user_settings"`
	UserID        int64  `bun:"user_id,pk"`
	ContactsScope string `bun:"contacts_scope,notnull"`
	AllContacts   bool   `bun:"all_contacts,notnull"`
	Calendar      bool   `bun:"calendar,notnull"`
	Tasks         bool   `bun:"tasks,notnull"`
	TimeZone      string `bun:"time_zone,notnull"`
}

type collectionRow struct {
	bun.BaseModel `bun:"table:dav_collections"`
	ID            int64  `bun:"id,pk,autoincrement"`
	UserID        int64  `bun:"user_id,notnull"`
	Name          string `bun:"name,notnull"`
	MinToken      int64  `bun:"min_token,notnull"`
}

type objectRow struct {
	bun.BaseModel `bun:"table:dav_objects"`
	ID            int64     `bun:"id,pk,autoincrement"`
	CollectionID  int64     `bun:"collection_id,notnull"`
	Href          string    `bun:"href,notnull"`
	UID           string    `bun:"uid,notnull"`
	ETag          string    `bun:"etag,notnull"`
	Comp          string    `bun:"comp,notnull"`
	Body          []byte    `bun:"body"`
	Size          int64     `bun:"size,notnull"`
	ChangeSeq     int64     `bun:"change_seq,notnull"`
	SourceEntity  string    `bun:"source_entity,notnull"`
	SourceRID     int64     `bun:"source_rid,notnull"`
	Deleted       bool      `bun:"deleted,notnull"`
	ReadOnly      bool      `bun:"read_only,notnull"`
	ClientOwned   bool      `bun:"client_owned,notnull"`
	TimeStart     *int64    `bun:"time_start"`
	TimeEnd       *int64    `bun:"time_end"`
	ModifiedAt    time.Time `bun:"modified_at,notnull"`
}

type keptRow struct {
	bun.BaseModel `bun:"table:kept_props"`
	CollectionID  int64     `bun:"collection_id,pk"`
	SourceEntity  string    `bun:"source_entity,pk"`
	SourceRID     int64     `bun:"source_rid,pk"`
	Data          string    `bun:"data,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// itemKey is a mirror row's place in a collection: the key of hidden and
// pinned items.
type itemKey struct {
	CollectionID int64  `bun:"collection_id,pk"`
	SourceEntity string `bun:"source_entity,pk"`
	SourceRID    int64  `bun:"source_rid,pk"`
}

type hiddenRow struct {
	bun.BaseModel `bun:"table:hidden_items"`
	itemKey
	HiddenAt time.Time `bun:"hidden_at,notnull"`
}

type propRow struct {
	bun.BaseModel `bun:"table:dav_props"`
	UserID        int64  `bun:"user_id,pk"`
	Resource      string `bun:"resource,pk"`
	NS            string `bun:"ns,pk"`
	Name          string `bun:"name,pk"`
	Value         string `bun:"value,notnull"`
	Lang          string `bun:"lang,notnull"`
}

type orgSettingRow struct {
	bun.BaseModel `bun:"table:org_settings"`
	Key           string `bun:"key,pk"`
	Value         string `bun:"value,notnull"`
}
