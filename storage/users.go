package storage

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// The collections a user can have; their names are the last URL segment.
const (
	CollContacts    = "contacts"
	CollAllContacts = "all-contacts"
	CollCalendar    = "calendar"
	CollTasks       = "tasks"
)

// CollectionNames lists every collection name, address books first.
var CollectionNames = []string{CollContacts, CollAllContacts, CollCalendar, CollTasks}

// Contacts scopes: mine / all (a "public folder") / none (docs/psa-model.md,
// "Who sees what").
const (
	ScopeMine = "mine"
	ScopeAll  = "all"
	ScopeNone = "none"
)

// UserSettings decide which collections a user has and what they hold.
type UserSettings struct {
	ContactsScope string // mine, all or none
	AllContacts   bool   // the all-contacts book
	Calendar      bool
	Tasks         bool
	TimeZone      string // IANA name; calendar objects are served in it
}

// DefaultUserSettings are what a new account gets.
func DefaultUserSettings() UserSettings {
	return UserSettings{ContactsScope: ScopeMine, Calendar: true, Tasks: true, TimeZone: "UTC"}
}

// Validate checks the settings' values.
func (u UserSettings) Validate() error {
	switch u.ContactsScope {
	case ScopeMine, ScopeAll, ScopeNone:
	default:
		return fmt.Errorf("contacts scope must be mine, all or none, not %q", u.ContactsScope)
	}
	if _, err := time.LoadLocation(u.TimeZone); err != nil || u.TimeZone == "" || u.TimeZone == "Local" {
		return fmt.Errorf("time zone %q is not an IANA zone name", u.TimeZone)
	}
	return nil
}

// Has reports whether the settings give the user the named collection.
func (u UserSettings) Has(collection string) bool {
	switch collection {
	case CollContacts:
		return u.ContactsScope != ScopeNone
	case CollAllContacts:
		return u.AllContacts
	case CollCalendar:
		return u.Calendar
	case CollTasks:
		return u.Tasks
	}
	return false
}

// Account is a gateway user.
type Account struct {
	ID          int64
	Login       string
	ResourceID  *int64 // the linked PSA resource
	Enabled     bool
	CreatedAt   time.Time
	LastLoginAt *time.Time
	Settings    UserSettings
	Admin       bool // may use the web console and the API (DAV access is the same)
	// AppPasswordID is the app password this account authenticated with
	// (0: the main password, or not authenticated).
	AppPasswordID int64
}

var loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ValidLogin reports whether login can be a user name: it appears in URLs.
func ValidLogin(login string) bool { return loginPattern.MatchString(login) }

func (s *Store) accountQuery() string {
	return `SELECT a.id, a.login, a.resource_id, a.enabled, a.created_at, a.last_login_at, a.is_admin,
	        s.contacts_scope, s.all_contacts, s.calendar, s.tasks, s.time_zone
	        FROM accounts a JOIN user_settings s ON s.user_id = a.id`
}

type accountScan struct {
	ID            int64      `bun:"id"`
	Login         string     `bun:"login"`
	ResourceID    *int64     `bun:"resource_id"`
	Enabled       bool       `bun:"enabled"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastLoginAt   *time.Time `bun:"last_login_at"`
	Admin         bool       `bun:"is_admin"`
	ContactsScope string     `bun:"contacts_scope"`
	AllContacts   bool       `bun:"all_contacts"`
	Calendar      bool       `bun:"calendar"`
	Tasks         bool       `bun:"tasks"`
	TimeZone      string     `bun:"time_zone"`
}

func (a accountScan) account() Account {
	return Account{ID: a.ID, Login: a.Login, ResourceID: a.ResourceID, Enabled: a.Enabled,
		CreatedAt: a.CreatedAt, LastLoginAt: a.LastLoginAt, Admin: a.Admin,
		Settings: UserSettings{ContactsScope: a.ContactsScope, AllContacts: a.AllContacts,
			Calendar: a.Calendar, Tasks: a.Tasks, TimeZone: a.TimeZone}}
}

// Accounts lists every account by login.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []accountScan
	if err := s.db.NewRaw(s.accountQuery()+" ORDER BY a.login").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("storage: listing accounts: %w", err)
	}
	out := make([]Account, len(rows))
	for i, r := range rows {
		out[i] = r.account()
	}
	return out, nil
}

// Account reads one account by login.
func (s *Store) Account(ctx context.Context, login string) (Account, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []accountScan
	if err := s.db.NewRaw(s.accountQuery()+" WHERE a.login = ?", login).Scan(ctx, &rows); err != nil {
		return Account{}, fmt.Errorf("storage: reading account: %w", err)
	}
	if len(rows) == 0 {
		return Account{}, ErrNotFound
	}
	return rows[0].account(), nil
}

// CreateAccount adds a user with its collections. resourceID links it to a
// PSA resource (nil: none yet).
func (s *Store) CreateAccount(ctx context.Context, login, password string, resourceID *int64, settings UserSettings) (Account, error) {
	var acct Account
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		var err error
		acct, err = t.CreateAccount(ctx, login, password, resourceID, settings)
		return err
	})
	return acct, err
}

// CreateAccount adds a user inside a transaction (the demo creates its
// accounts and records in one), filling the new collections.
func (t *Tx) CreateAccount(ctx context.Context, login, password string, resourceID *int64, settings UserSettings) (Account, error) {
	if !ValidLogin(login) {
		return Account{}, fmt.Errorf("storage: login %q: use letters, digits, '.', '_', '@' or '-' (at most 64)", login)
	}
	if err := settings.Validate(); err != nil {
		return Account{}, fmt.Errorf("storage: %w", err)
	}
	hash, err := t.s.hashPassword(password)
	if err != nil {
		return Account{}, err
	}
	row := accountRow{Login: login, PasswordHash: hash, ResourceID: resourceID, Enabled: true, CreatedAt: t.now}
	if _, err := t.tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return Account{}, fmt.Errorf("%w: login %q exists", ErrConflict, login)
		}
		return Account{}, err
	}
	st := userSettingsRow{UserID: row.ID, ContactsScope: settings.ContactsScope, AllContacts: settings.AllContacts,
		Calendar: settings.Calendar, Tasks: settings.Tasks, TimeZone: settings.TimeZone}
	if _, err := t.tx.NewInsert().Model(&st).Exec(ctx); err != nil {
		return Account{}, err
	}
	var ids []int64
	for _, name := range CollectionNames {
		c := collectionRow{UserID: row.ID, Name: name}
		if _, err := t.tx.NewInsert().Model(&c).Returning("id").Exec(ctx); err != nil {
			return Account{}, err
		}
		ids = append(ids, c.ID)
	}
	t.markAccountsChanged()
	if err := t.rebuild(ctx, ids); err != nil {
		return Account{}, err
	}
	return Account{ID: row.ID, Login: login, ResourceID: resourceID, Enabled: true, CreatedAt: t.now, Settings: settings}, nil
}

// UpdateSettings changes a user's settings and, in the same transaction,
// fills collections that appear, empties those that disappear and rebuilds
// those whose content rule changed.
func (s *Store) UpdateSettings(ctx context.Context, login string, change func(*UserSettings)) (Account, error) {
	acct, err := s.Account(ctx, login)
	if err != nil {
		return Account{}, err
	}
	old := acct.Settings
	next := old
	change(&next)
	if err := next.Validate(); err != nil {
		return Account{}, fmt.Errorf("storage: %w", err)
	}
	err = s.Write(ctx, func(ctx context.Context, t *Tx) error {
		_, err := t.tx.NewUpdate().Model(&userSettingsRow{UserID: acct.ID, ContactsScope: next.ContactsScope,
			AllContacts: next.AllContacts, Calendar: next.Calendar, Tasks: next.Tasks, TimeZone: next.TimeZone}).
			WherePK().Exec(ctx)
		if err != nil {
			return err
		}
		t.markAccountsChanged()
		return t.applySettingsChange(ctx, acct.ID, old, next)
	})
	acct.Settings = next
	return acct, err
}

func (t *Tx) applySettingsChange(ctx context.Context, userID int64, old, next UserSettings) error {
	var colls []collectionRow
	if err := t.tx.NewSelect().Model(&colls).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return err
	}
	var rebuild []int64
	for _, c := range colls {
		was, is := old.Has(c.Name), next.Has(c.Name)
		switch {
		case was && !is:
			if err := t.emptyCollection(ctx, c.ID); err != nil {
				return err
			}
		case is && !was:
			rebuild = append(rebuild, c.ID)
		case is && c.Name == CollContacts && old.ContactsScope != next.ContactsScope:
			rebuild = append(rebuild, c.ID)
		case is && (c.Name == CollCalendar || c.Name == CollTasks) && old.TimeZone != next.TimeZone:
			rebuild = append(rebuild, c.ID)
		}
	}
	return t.rebuild(ctx, rebuild)
}

// emptyCollection removes every object of a collection that disappears and
// invalidates sync tokens issued for it: if it comes back, clients resync.
func (t *Tx) emptyCollection(ctx context.Context, collectionID int64) error {
	if _, err := t.tx.NewDelete().Table("dav_objects").Where("collection_id = ?", collectionID).Exec(ctx); err != nil {
		return err
	}
	_, err := t.tx.NewUpdate().Table("dav_collections").Set("min_token = ?", t.nextSeq()).
		Where("id = ?", collectionID).Exec(ctx)
	return err
}

// SetPassword replaces a user's password.
func (s *Store) SetPassword(ctx context.Context, login, password string) error {
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.updateAccount(ctx, login, "password_hash = ?", hash)
}

// SetEnabled enables or disables a login.
func (s *Store) SetEnabled(ctx context.Context, login string, enabled bool) error {
	return s.updateAccount(ctx, login, "enabled = ?", enabled)
}

// LinkResource links an account to a PSA resource id.
func (s *Store) LinkResource(ctx context.Context, login string, resourceID int64) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewUpdate().Table("accounts").Set("resource_id = ?", resourceID).Where("login = ?", login).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		t.markAccountsChanged()
		var ids []int64
		err = t.tx.NewSelect().Table("dav_collections").Column("dav_collections.id").
			Join("JOIN accounts a ON a.id = dav_collections.user_id").Where("a.login = ?", login).Scan(ctx, &ids)
		if err != nil {
			return err
		}
		return t.rebuild(ctx, ids)
	})
}

func (s *Store) updateAccount(ctx context.Context, login, set string, arg any) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewUpdate().Table("accounts").Set(set, arg).Where("login = ?", login).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		t.markAccountsChanged()
		return nil
	})
}

// userInfo is what the projection needs to know of a user.
type userInfo struct {
	id          int64
	login       string
	resourceID  *int64
	settings    UserSettings
	collections map[string]int64 // name → id, only those the settings give
}

// userIndex is every user, loaded once per accounts version.
type userIndex struct {
	version    int64
	users      []*userInfo
	byResource map[int64][]*userInfo
}

// userIndex returns the users as this transaction sees them: from the
// store's cache while the accounts version matches and this transaction has
// not changed accounts itself, freshly loaded otherwise.
func (t *Tx) userIndex(ctx context.Context) (*userIndex, error) {
	p := t.proj
	if p.users != nil && p.usersGen == t.accountsGen {
		return p.users, nil
	}
	c := &t.s.users
	if t.accountsGen == 0 {
		c.mu.Lock()
		idx := c.idx
		c.mu.Unlock()
		if idx != nil && idx.version == t.accountsVersion {
			p.users, p.usersGen = idx, 0
			return idx, nil
		}
	}
	idx, err := t.loadUserIndex(ctx)
	if err != nil {
		return nil, err
	}
	if t.accountsGen == 0 {
		c.mu.Lock()
		c.idx = idx
		c.mu.Unlock()
	}
	p.users, p.usersGen = idx, t.accountsGen
	return idx, nil
}

func (t *Tx) loadUserIndex(ctx context.Context) (*userIndex, error) {
	var rows []accountScan
	if err := t.tx.NewRaw(t.s.accountQuery()+" ORDER BY a.id").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("storage: loading users: %w", err)
	}
	var colls []collectionRow
	if err := t.tx.NewSelect().Model(&colls).Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: loading collections: %w", err)
	}
	idx := &userIndex{version: t.accountsVersion, byResource: map[int64][]*userInfo{}}
	byID := map[int64]*userInfo{}
	for _, r := range rows {
		a := r.account()
		u := &userInfo{id: a.ID, login: a.Login, resourceID: a.ResourceID, settings: a.Settings, collections: map[string]int64{}}
		idx.users = append(idx.users, u)
		byID[u.id] = u
		if u.resourceID != nil {
			idx.byResource[*u.resourceID] = append(idx.byResource[*u.resourceID], u)
		}
	}
	for _, c := range colls {
		if u := byID[c.UserID]; u != nil && u.settings.Has(c.Name) {
			u.collections[c.Name] = c.ID
		}
	}
	return idx, nil
}
