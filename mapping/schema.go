package mapping

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// FieldInfo is what the PSA says about one field of an entity
// (Autotask: {Entity}/entityInformation/fields).
type FieldInfo struct {
	Name     string
	DataType string
	Length   int // maximum length of a string field; 0 when unknown or not a string
	Required bool
	ReadOnly bool
	Picklist bool
}

// PicklistValue is one choice of a picklist field. Codes are the tenant's
// own: nothing in psadav hard-codes them; rules match on labels.
type PicklistValue struct {
	Value       string
	Label       string
	Active      bool
	System      bool
	Default     bool
	SortOrder   int
	ParentValue string
}

// Schema is the tenant's field metadata: lengths and required flags that
// client writes are validated against, and the picklists whose labels the
// rules read. NewSchema starts from the defaults seen in one Autotask
// tenant (docs/psa-model.md, "Field limits and required fields"); a
// connector overwrites them with the tenant's own.
type Schema struct {
	fields    map[Entity]map[string]FieldInfo
	picklists map[Entity]map[string][]PicklistValue
}

// NewSchema returns a schema holding the default field lengths.
func NewSchema() *Schema {
	s := &Schema{fields: map[Entity]map[string]FieldInfo{}, picklists: map[Entity]map[string][]PicklistValue{}}
	for entity, fields := range defaultLengths {
		for name, length := range fields {
			s.SetField(entity, FieldInfo{Name: name, DataType: "string", Length: length})
		}
	}
	for entity, names := range defaultRequired {
		for _, name := range names {
			f, _ := s.Field(entity, name)
			f.Name, f.Required = name, true
			s.SetField(entity, f)
		}
	}
	return s
}

// SetField records (or replaces) one field's metadata.
func (s *Schema) SetField(entity Entity, f FieldInfo) {
	m := s.fields[entity]
	if m == nil {
		m = map[string]FieldInfo{}
		s.fields[entity] = m
	}
	m[strings.ToLower(f.Name)] = f
}

// Field returns a field's metadata; names are case-insensitive, as in Autotask.
func (s *Schema) Field(entity Entity, name string) (FieldInfo, bool) {
	f, ok := s.fields[entity][strings.ToLower(name)]
	return f, ok
}

// MaxLength is the longest value a string field takes, 0 when unlimited or unknown.
func (s *Schema) MaxLength(entity Entity, field string) int {
	f, _ := s.Field(entity, field)
	return f.Length
}

// SetPicklist replaces a field's picklist.
func (s *Schema) SetPicklist(entity Entity, field string, values []PicklistValue) {
	m := s.picklists[entity]
	if m == nil {
		m = map[string][]PicklistValue{}
		s.picklists[entity] = m
	}
	vs := append([]PicklistValue(nil), values...)
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].SortOrder < vs[j].SortOrder })
	m[strings.ToLower(field)] = vs
}

// Picklist returns a field's choices.
func (s *Schema) Picklist(entity Entity, field string) []PicklistValue {
	return s.picklists[entity][strings.ToLower(field)]
}

// Label is the label of a picklist code, "" when unknown.
func (s *Schema) Label(entity Entity, field string, code int64) string {
	want := strconv.FormatInt(code, 10)
	for _, v := range s.Picklist(entity, field) {
		if v.Value == want {
			return v.Label
		}
	}
	return ""
}

// Codes returns the codes of a picklist whose label matches one of labels,
// ignoring case, spaces and punctuation ("Calendar and To-Do" matches
// "calendar and todo").
func (s *Schema) Codes(entity Entity, field string, labels ...string) []int64 {
	var out []int64
	for _, v := range s.Picklist(entity, field) {
		for _, l := range labels {
			if labelKey(v.Label) == labelKey(l) {
				if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// labelKey folds a label for comparison.
func labelKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// defaultLengths are the string field limits (docs/psa-model.md) for the fields
// psadav maps from client data.
var defaultLengths = map[Entity]map[string]int{
	EntityContacts: {
		"firstName": 50, "lastName": 50, "middleInitial": 50, "title": 50,
		"emailAddress": 254, "emailAddress2": 254, "emailAddress3": 254,
		"phone": 25, "extension": 10, "alternatePhone": 32, "mobilePhone": 25, "faxNumber": 25,
		"addressLine": 128, "addressLine1": 128, "additionalAddressInformation": 100,
		"city": 32, "state": 40, "zipCode": 16, "roomNumber": 50, "note": 50, "externalID": 50,
		"facebookUrl": 200, "linkedInUrl": 200, "twitterUrl": 200,
	},
	EntityCompanies: {
		"companyName": 100, "companyNumber": 50, "phone": 25, "alternatePhone1": 25, "alternatePhone2": 25,
		"fax": 25, "webAddress": 255, "address1": 128, "address2": 128, "additionalAddressInformation": 100,
		"city": 30, "state": 40, "postalCode": 10,
	},
	EntityAppointments:    {"title": 256, "description": 8000},
	EntityCompanyToDos:    {"activityDescription": 32000},
	EntityServiceCalls:    {"description": 2000},
	EntityOpportunities:   {"title": 128},
	EntityActionTypes:     {"name": 32},
	EntityCompanyNotes:    {"name": 128, "note": 32000},
	EntityTimeOffRequests: {},
	// Records psadav only reads; their limits still bound what an import may
	// store (the mirror's columns are sized from this table).
	EntityResources: {
		"userName": 32, "email": 254, "email2": 254, "email3": 254, "firstName": 50, "lastName": 50,
		"middleName": 50, "title": 50, "officePhone": 25, "officeExtension": 10, "mobilePhone": 25,
		"resourceType": 64, // length not published; the mirror's column
	},
	EntityCompanyLocations: {
		"name": 100, "address1": 128, "address2": 128, "city": 50, "state": 25, "postalCode": 20, "phone": 25,
	},
	EntityCountries: {"countryCode": 2, "name": 50, "displayName": 100},
	EntityTickets:   {"ticketNumber": 50, "title": 255},
	EntityTasks:     {"title": 255},
}

// defaultRequired are the fields the PSA requires on create (docs/psa-model.md).
var defaultRequired = map[Entity][]string{
	EntityContacts:     {"companyID", "isActive", "firstName", "lastName"},
	EntityCompanies:    {"companyName", "companyType", "ownerResourceID", "phone"},
	EntityAppointments: {"title", "startDateTime", "endDateTime", "resourceID"},
	EntityCompanyToDos: {"actionType", "assignedToResourceID", "companyID", "startDateTime", "endDateTime"},
}
