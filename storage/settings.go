package storage

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// OrgSettings are the organisation-wide rules (docs/write-back.md,
// "Settings that decide"). They are stored as key/value rows; a missing key has
// its default.
type OrgSettings struct {
	WriteBackMode       string // lenient: discard what may not change; strict: refuse it
	ContactPolicy       string // psa-master: clients change no PSA field; two-way
	ContactDelete       string // hide: for that user only; deactivate: in the PSA
	UnknownCompany      string // default-company, create or refuse
	DefaultCompanyID    int64  // for client contacts without ORG and client to-dos (0: the PSA's own company)
	DefaultActionTypeID int64  // for client to-dos (0: the first active To-Do action type)
	SendFreeTime        bool   // send TRANSP:TRANSPARENT events to the PSA
	CompleteToDos       bool   // completing a VTODO sets the to-do's completedDate
	PSAURLTemplate      string // {entity} and {id} are replaced
	WindowPastDays      int64  // calendar sync window
	WindowFutureDays    int64
	ReadOnlyBooks       []string // address books clients may read but not change

	// Limits on what clients write (README: Limits on what clients write).
	MinOccurrenceGap     time.Duration // the least time between two instances of a client series
	MaxSeriesOccurrences int64         // PSA appointments one series may have in the sync window
	UserWriteBudget      int64         // PSA writes one user may queue an hour (0: no limit)
}

// SettingKey describes one organisation setting.
type SettingKey struct {
	Key     string
	Default string
	Help    string
	set     func(*OrgSettings, string) error
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, ok := range values {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
	}
}

func strSetting(key, def, help string, check func(string) error, field func(*OrgSettings) *string) SettingKey {
	return SettingKey{Key: key, Default: def, Help: help, set: func(o *OrgSettings, v string) error {
		if check != nil {
			if err := check(v); err != nil {
				return err
			}
		}
		*field(o) = v
		return nil
	}}
}

func intSetting(key, def, help string, min, max int64, field func(*OrgSettings) *int64) SettingKey {
	return SettingKey{Key: key, Default: def, Help: help, set: func(o *OrgSettings, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min || n > max {
			return fmt.Errorf("must be a whole number from %d to %d", min, max)
		}
		*field(o) = n
		return nil
	}}
}

func durationSetting(key, def, help string, min, max time.Duration, field func(*OrgSettings) *time.Duration) SettingKey {
	return SettingKey{Key: key, Default: def, Help: help, set: func(o *OrgSettings, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < min || d > max {
			return fmt.Errorf("must be a duration from %s to %s, such as 24h or 90m", min, max)
		}
		*field(o) = d
		return nil
	}}
}

func boolSetting(key, def, help string, field func(*OrgSettings) *bool) SettingKey {
	return SettingKey{Key: key, Default: def, Help: help, set: func(o *OrgSettings, v string) error {
		b, err := parseOnOff(v)
		if err != nil {
			return err
		}
		*field(o) = b
		return nil
	}}
}

func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "yes", "true", "1":
		return true, nil
	case "off", "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("must be on or off")
}

// SettingKeys lists every organisation setting with its default.
var SettingKeys = []SettingKey{
	strSetting("write-back-mode", "lenient", "lenient: a change to a field clients may not change is discarded (PUT answers without ETag), a DELETE of an item the user may not delete in the PSA hides it for them; strict: both refused with 403",
		oneOf("lenient", "strict"), func(o *OrgSettings) *string { return &o.WriteBackMode }),
	strSetting("contact-policy", "psa-master", "psa-master: clients change no field of a PSA contact (one a user created stays theirs to change); two-way: mapped fields go to the PSA",
		oneOf("psa-master", "two-way"), func(o *OrgSettings) *string { return &o.ContactPolicy }),
	strSetting("contact-delete", "hide", "what a client DELETE of a contact does: hide (for that user) or deactivate (in the PSA)",
		oneOf("hide", "deactivate"), func(o *OrgSettings) *string { return &o.ContactDelete }),
	strSetting("unknown-company", "default-company", "a client contact whose ORG names no PSA company: default-company (ORG text kept for the user), create (needs a phone number on the card) or refuse",
		oneOf("default-company", "create", "refuse"), func(o *OrgSettings) *string { return &o.UnknownCompany }),
	intSetting("default-company-id", "0", "PSA company for client contacts without ORG and for client to-dos (0 = the PSA's own company)",
		0, 1<<53, func(o *OrgSettings) *int64 { return &o.DefaultCompanyID }),
	intSetting("default-action-type-id", "0", "PSA action type for client to-dos (0 = the first active action type whose View is To-Do)",
		0, 1<<53, func(o *OrgSettings) *int64 { return &o.DefaultActionTypeID }),
	boolSetting("send-free-time", "off", "send free (TRANSP:TRANSPARENT) client events to the PSA",
		func(o *OrgSettings) *bool { return &o.SendFreeTime }),
	boolSetting("complete-todos", "on", "completing a VTODO on a client sets the PSA to-do's completedDate; re-opening clears it",
		func(o *OrgSettings) *bool { return &o.CompleteToDos }),
	strSetting("psa-url-template", "https://ww1.autotask.net/Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=Open{entity}&{entity}ID={id}",
		"link to an item in the PSA's web UI; {entity} (Contact, Appointment, ToDo, ServiceCall, TimeOffRequest) and {id} are replaced",
		func(v string) error {
			if !strings.Contains(v, "{id}") {
				return fmt.Errorf("must contain {id}")
			}
			return nil
		}, func(o *OrgSettings) *string { return &o.PSAURLTemplate }),
	intSetting("window-past-days", "90", "calendar sync window: days into the past", 0, 3650,
		func(o *OrgSettings) *int64 { return &o.WindowPastDays }),
	intSetting("window-future-days", "365", "calendar sync window: days into the future", 1, 3650,
		func(o *OrgSettings) *int64 { return &o.WindowFutureDays }),
	{Key: "read-only-books", Default: "", Help: "address books every user may read but not change (PUT gets 403; DELETE hides the card for that user, or gets 403 in strict mode): " +
		"a comma-separated list of contacts, all-contacts; empty for none", set: func(o *OrgSettings, v string) error {
		books, err := parseReadOnlyBooks(v)
		o.ReadOnlyBooks = books
		return err
	}},
	durationSetting("min-occurrence-gap", "24h", "the least time between two instances of a client's recurring event or task (a duration such as 24h); a series whose instances come closer is refused",
		time.Hour, 366*24*time.Hour, func(o *OrgSettings) *time.Duration { return &o.MinOccurrenceGap }),
	intSetting("max-series-occurrences", "400", "the most PSA appointments one recurring client event may have from today to the end of the calendar sync window, and the largest COUNT a client rule may ask for; a series with more is refused",
		1, 100000, func(o *OrgSettings) *int64 { return &o.MaxSeriesOccurrences }),
	intSetting("user-write-budget", "500", "the most PSA writes one user's clients may queue in an hour (0 = no limit); beyond it writes are refused with 503 and Retry-After",
		0, 1000000, func(o *OrgSettings) *int64 { return &o.UserWriteBudget }),
}

// parseReadOnlyBooks reads the read-only-books setting.
func parseReadOnlyBooks(v string) ([]string, error) {
	var out []string
	for _, b := range strings.Split(v, ",") {
		switch b = strings.TrimSpace(b); b {
		case "":
		case CollContacts, CollAllContacts:
			out = append(out, b)
		default:
			return nil, fmt.Errorf("%q is not an address book: use contacts, all-contacts or both, separated by commas", b)
		}
	}
	return out, nil
}

func settingKey(key string) (SettingKey, bool) {
	for _, k := range SettingKeys {
		if k.Key == key {
			return k, true
		}
	}
	return SettingKey{}, false
}

// DefaultOrgSettings are the settings of a fresh installation.
func DefaultOrgSettings() OrgSettings {
	o, _ := orgSettingsFrom(nil)
	return o
}

func orgSettingsFrom(values map[string]string) (OrgSettings, error) {
	var o OrgSettings
	for _, k := range SettingKeys {
		v, ok := values[k.Key]
		if !ok {
			v = k.Default
		}
		if err := k.set(&o, v); err != nil {
			return o, fmt.Errorf("setting %s=%q: %w", k.Key, v, err)
		}
	}
	return o, nil
}

// SettingValues returns every setting's current value by key.
func (s *Store) SettingValues(ctx context.Context) (map[string]string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []orgSettingRow
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading settings: %w", err)
	}
	values := map[string]string{}
	for _, k := range SettingKeys {
		values[k.Key] = k.Default
	}
	for _, r := range rows {
		if _, ok := settingKey(r.Key); ok {
			values[r.Key] = r.Value
		}
	}
	return values, nil
}

// OrgSettings reads the organisation settings.
func (s *Store) OrgSettings(ctx context.Context) (OrgSettings, error) {
	values, err := s.SettingValues(ctx)
	if err != nil {
		return OrgSettings{}, err
	}
	return orgSettingsFrom(values)
}

// orgSettings reads the settings inside a transaction, once.
func (t *Tx) orgSettings(ctx context.Context) (*OrgSettings, error) {
	if t.proj.org != nil {
		return t.proj.org, nil
	}
	if o, ok := t.s.config.get(t, "org").(*OrgSettings); ok {
		t.proj.org = o
		return o, nil
	}
	var rows []orgSettingRow
	if err := t.tx.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	values := map[string]string{}
	for _, r := range rows {
		values[r.Key] = r.Value
	}
	o, err := orgSettingsFrom(values)
	if err != nil {
		return nil, err
	}
	t.proj.org = &o
	t.s.config.put(t, "org", &o)
	return &o, nil
}

// SetSetting validates and stores one organisation setting, then re-renders
// what the change affects in the same transaction.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if err := ValidateSetting(key, value); err != nil {
		return err
	}
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		_, err := t.tx.NewInsert().Model(&orgSettingRow{Key: key, Value: value}).
			On("CONFLICT (key) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx)
		if err != nil {
			return err
		}
		t.proj.org = nil
		t.markAccountsChanged() // other processes reload their settings
		if !settingAffectsObjects[key] {
			return nil
		}
		var ids []int64
		if err := t.tx.NewSelect().Table("dav_collections").Column("id").
			Where("name IN (?)", bun.In([]string{CollCalendar, CollTasks})).Scan(ctx, &ids); err != nil {
			return err
		}
		return t.rebuild(ctx, ids)
	})
}

// ValidateSetting checks a setting's key and value as SetSetting does,
// changing nothing: the error says what is wrong in words for the user.
func ValidateSetting(key, value string) error {
	k, ok := settingKey(key)
	if !ok {
		names := make([]string, len(SettingKeys))
		for i, k := range SettingKeys {
			names[i] = k.Key
		}
		sort.Strings(names)
		return fmt.Errorf("storage: unknown setting %q (known: %s)", key, strings.Join(names, ", "))
	}
	var probe OrgSettings
	if err := k.set(&probe, value); err != nil {
		return fmt.Errorf("storage: setting %s: %w", key, err)
	}
	return nil
}

// settingAffectsObjects names the settings that change rendered objects.
var settingAffectsObjects = map[string]bool{
	"psa-url-template": true, "window-past-days": true, "window-future-days": true,
}
