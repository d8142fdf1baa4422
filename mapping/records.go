package mapping

import "time"

// Entity names a PSA entity the way the Autotask REST API does (the URL
// segment: /v1.0/Contacts/query). Connectors for other PSAs translate to these.
type Entity string

// The mirrored entities. Field names and lengths follow Autotask REST
// (docs/psa-model.md).
const (
	EntityResources                  Entity = "Resources"
	EntityCompanies                  Entity = "Companies"
	EntityCompanyLocations           Entity = "CompanyLocations"
	EntityCountries                  Entity = "Countries"
	EntityContacts                   Entity = "Contacts"
	EntityCompanyNotes               Entity = "CompanyNotes"
	EntityOpportunities              Entity = "Opportunities"
	EntityActionTypes                Entity = "ActionTypes"
	EntityCompanyToDos               Entity = "CompanyToDos"
	EntityAppointments               Entity = "Appointments"
	EntityServiceCalls               Entity = "ServiceCalls"
	EntityServiceCallTickets         Entity = "ServiceCallTickets"
	EntityServiceCallTicketResources Entity = "ServiceCallTicketResources"
	EntityServiceCallTasks           Entity = "ServiceCallTasks"
	EntityServiceCallTaskResources   Entity = "ServiceCallTaskResources"
	EntityTickets                    Entity = "Tickets"
	EntityTasks                      Entity = "Tasks"
	EntityTimeOffRequests            Entity = "TimeOffRequests"
)

// Entities lists every mirrored entity in dependency order: an entity only
// refers to entities before it. Imports and full pulls go in this order.
var Entities = []Entity{
	EntityCountries, EntityResources, EntityActionTypes, EntityCompanies,
	EntityCompanyLocations, EntityContacts, EntityCompanyNotes, EntityOpportunities,
	EntityTickets, EntityTasks, EntityAppointments, EntityCompanyToDos,
	EntityServiceCalls, EntityServiceCallTickets, EntityServiceCallTicketResources,
	EntityServiceCallTasks, EntityServiceCallTaskResources, EntityTimeOffRequests,
}

// Every record type below carries ID, the PSA's id. For a row a client created
// that the PSA has not accepted yet, storage hands out the negative local row
// id instead, so references between records work before the PSA answers
// (LocalID tells the two apart). Storage keeps the PSA id in its own envelope
// column, hence `bun:"-"`.

// Resource is an Autotask Resource: a technician or other user of the PSA.
type Resource struct {
	ID              int64  `json:"id" bun:"-"`
	UserName        string `json:"userName" bun:"user_name"`
	Email           string `json:"email" bun:"email"`
	Email2          string `json:"email2" bun:"email2"`
	Email3          string `json:"email3" bun:"email3"`
	FirstName       string `json:"firstName" bun:"first_name"`
	LastName        string `json:"lastName" bun:"last_name"`
	MiddleName      string `json:"middleName" bun:"middle_name"`
	Title           string `json:"title" bun:"title"`
	IsActive        bool   `json:"isActive" bun:"is_active"`
	LicenseType     *int64 `json:"licenseType" bun:"license_type"`
	ResourceType    string `json:"resourceType" bun:"resource_type"`
	OfficePhone     string `json:"officePhone" bun:"office_phone"`
	OfficeExtension string `json:"officeExtension" bun:"office_extension"`
	MobilePhone     string `json:"mobilePhone" bun:"mobile_phone"`
	LocationID      *int64 `json:"locationID" bun:"location_id"`
}

// Company is an Autotask Company. OwnerResourceID is the account manager.
type Company struct {
	ID                           int64      `json:"id" bun:"-"`
	CompanyName                  string     `json:"companyName" bun:"company_name"`
	CompanyNumber                string     `json:"companyNumber" bun:"company_number"`
	CompanyType                  *int64     `json:"companyType" bun:"company_type"`
	OwnerResourceID              *int64     `json:"ownerResourceID" bun:"owner_resource_id"`
	ParentCompanyID              *int64     `json:"parentCompanyID" bun:"parent_company_id"`
	IsActive                     bool       `json:"isActive" bun:"is_active"`
	Phone                        string     `json:"phone" bun:"phone"`
	AlternatePhone1              string     `json:"alternatePhone1" bun:"alternate_phone1"`
	AlternatePhone2              string     `json:"alternatePhone2" bun:"alternate_phone2"`
	Fax                          string     `json:"fax" bun:"fax"`
	WebAddress                   string     `json:"webAddress" bun:"web_address"`
	Address1                     string     `json:"address1" bun:"address1"`
	Address2                     string     `json:"address2" bun:"address2"`
	AdditionalAddressInformation string     `json:"additionalAddressInformation" bun:"additional_address_information"`
	City                         string     `json:"city" bun:"city"`
	State                        string     `json:"state" bun:"state"`
	PostalCode                   string     `json:"postalCode" bun:"postal_code"`
	CountryID                    *int64     `json:"countryID" bun:"country_id"`
	TerritoryID                  *int64     `json:"territoryID" bun:"territory_id"`
	MarketSegmentID              *int64     `json:"marketSegmentID" bun:"market_segment_id"`
	Classification               *int64     `json:"classification" bun:"classification"`
	CreateDate                   *time.Time `json:"createDate" bun:"create_date"`
	LastActivityDate             *time.Time `json:"lastActivityDate" bun:"last_activity_date"`
	LastTrackedModifiedDateTime  *time.Time `json:"lastTrackedModifiedDateTime" bun:"last_tracked_modified_date_time"`
}

// CompanyLocation is an Autotask CompanyLocation (a site of a company).
type CompanyLocation struct {
	ID         int64  `json:"id" bun:"-"`
	CompanyID  int64  `json:"companyID" bun:"company_id"`
	Name       string `json:"name" bun:"name"`
	Address1   string `json:"address1" bun:"address1"`
	Address2   string `json:"address2" bun:"address2"`
	City       string `json:"city" bun:"city"`
	State      string `json:"state" bun:"state"`
	PostalCode string `json:"postalCode" bun:"postal_code"`
	CountryID  *int64 `json:"countryID" bun:"country_id"`
	Phone      string `json:"phone" bun:"phone"`
	IsActive   bool   `json:"isActive" bun:"is_active"`
	IsPrimary  bool   `json:"isPrimary" bun:"is_primary"`
}

// Country is an Autotask Country.
type Country struct {
	ID               int64  `json:"id" bun:"-"`
	CountryCode      string `json:"countryCode" bun:"country_code"`
	Name             string `json:"name" bun:"name"`
	DisplayName      string `json:"displayName" bun:"display_name"`
	IsActive         bool   `json:"isActive" bun:"is_active"`
	IsDefaultCountry bool   `json:"isDefaultCountry" bun:"is_default_country"`
}

// Contact is an Autotask Contact. IsActive is an integer 1/0 in the PSA.
type Contact struct {
	ID                           int64      `json:"id" bun:"-"`
	CompanyID                    int64      `json:"companyID" bun:"company_id"`
	CompanyLocationID            *int64     `json:"companyLocationID" bun:"company_location_id"`
	IsActive                     int        `json:"isActive" bun:"is_active"`
	FirstName                    string     `json:"firstName" bun:"first_name"`
	LastName                     string     `json:"lastName" bun:"last_name"`
	MiddleInitial                string     `json:"middleInitial" bun:"middle_initial"`
	NamePrefix                   *int64     `json:"namePrefix" bun:"name_prefix"`
	NameSuffix                   *int64     `json:"nameSuffix" bun:"name_suffix"`
	Title                        string     `json:"title" bun:"title"`
	EmailAddress                 string     `json:"emailAddress" bun:"email_address"`
	EmailAddress2                string     `json:"emailAddress2" bun:"email_address2"`
	EmailAddress3                string     `json:"emailAddress3" bun:"email_address3"`
	Phone                        string     `json:"phone" bun:"phone"`
	Extension                    string     `json:"extension" bun:"extension"`
	AlternatePhone               string     `json:"alternatePhone" bun:"alternate_phone"`
	MobilePhone                  string     `json:"mobilePhone" bun:"mobile_phone"`
	FaxNumber                    string     `json:"faxNumber" bun:"fax_number"`
	AddressLine                  string     `json:"addressLine" bun:"address_line"`
	AddressLine1                 string     `json:"addressLine1" bun:"address_line1"`
	AdditionalAddressInformation string     `json:"additionalAddressInformation" bun:"additional_address_information"`
	City                         string     `json:"city" bun:"city"`
	State                        string     `json:"state" bun:"state"`
	ZipCode                      string     `json:"zipCode" bun:"zip_code"`
	CountryID                    *int64     `json:"countryID" bun:"country_id"`
	RoomNumber                   string     `json:"roomNumber" bun:"room_number"`
	Note                         string     `json:"note" bun:"note"`
	ExternalID                   string     `json:"externalID" bun:"external_id"`
	FacebookURL                  string     `json:"facebookUrl" bun:"facebook_url"`
	LinkedInURL                  string     `json:"linkedInUrl" bun:"linked_in_url"`
	TwitterURL                   string     `json:"twitterUrl" bun:"twitter_url"`
	PrimaryContact               bool       `json:"primaryContact" bun:"primary_contact"`
	CreateDate                   *time.Time `json:"createDate" bun:"create_date"`
	LastActivityDate             *time.Time `json:"lastActivityDate" bun:"last_activity_date"`
	LastModifiedDate             *time.Time `json:"lastModifiedDate" bun:"last_modified_date"`
	// Photo is a gateway extension, not an Autotask field: a base64 JPEG or
	// PNG that an import may carry ("photo" in the JSON).
	Photo string `json:"photo,omitempty" bun:"photo"`
}

// Active reports whether the PSA marks the contact active.
func (c *Contact) Active() bool { return c.IsActive != 0 }

// CompanyNote is an Autotask CompanyNote. Notes linked to a contact are that
// contact's journal, rendered into the vCard NOTE newest first. Its text
// fields are name (128) and note (32,000) — not title/description as on
// ticket and project notes (docs/autotask.md A4). AssignedResourceID,
// StartDateTime and EndDateTime are required on create; the mirror keeps
// them in the raw record only.
type CompanyNote struct {
	ID                 int64      `json:"id" bun:"-"`
	CompanyID          int64      `json:"companyID" bun:"company_id"`
	ContactID          *int64     `json:"contactID" bun:"contact_id"`
	ActionType         *int64     `json:"actionType" bun:"action_type"`
	Name               string     `json:"name" bun:"name"`
	Note               string     `json:"note" bun:"note"`
	AssignedResourceID *int64     `json:"assignedResourceID" bun:"-"`
	StartDateTime      *time.Time `json:"startDateTime" bun:"-"`
	EndDateTime        *time.Time `json:"endDateTime" bun:"-"`
	CreateDateTime     *time.Time `json:"createDateTime" bun:"create_date_time"`
	LastModifiedDate   *time.Time `json:"lastModifiedDate" bun:"last_modified_date"`
}

// Opportunity is an Autotask Opportunity; its owner sees the company's contacts.
type Opportunity struct {
	ID                 int64      `json:"id" bun:"-"`
	CompanyID          int64      `json:"companyID" bun:"company_id"`
	ContactID          *int64     `json:"contactID" bun:"contact_id"`
	OwnerResourceID    int64      `json:"ownerResourceID" bun:"owner_resource_id"`
	Status             int64      `json:"status" bun:"status"`
	Stage              *int64     `json:"stage" bun:"stage"`
	Title              string     `json:"title" bun:"title"`
	ProjectedCloseDate *time.Time `json:"projectedCloseDate" bun:"projected_close_date"`
	ClosedDate         *time.Time `json:"closedDate" bun:"closed_date"`
	CreateDate         *time.Time `json:"createDate" bun:"create_date"`
	LastActivity       *time.Time `json:"lastActivity" bun:"last_activity"`
}

// ActionType is an Autotask ActionType. View (a tenant picklist code) decides
// whether its to-dos show in the calendar, the task list, or nowhere.
type ActionType struct {
	ID                 int64  `json:"id" bun:"-"`
	Name               string `json:"name" bun:"name"`
	View               int64  `json:"view" bun:"view_code"`
	IsActive           bool   `json:"isActive" bun:"is_active"`
	IsSystemActionType bool   `json:"isSystemActionType" bun:"is_system_action_type"`
}

// ToDo is an Autotask CompanyToDo (a CRM activity). It has no title.
type ToDo struct {
	ID                   int64      `json:"id" bun:"-"`
	CompanyID            int64      `json:"companyID" bun:"company_id"`
	ActionType           int64      `json:"actionType" bun:"action_type"`
	ActivityDescription  string     `json:"activityDescription" bun:"activity_description"`
	AssignedToResourceID int64      `json:"assignedToResourceID" bun:"assigned_to_resource_id"`
	ContactID            *int64     `json:"contactID" bun:"contact_id"`
	ContractID           *int64     `json:"contractID" bun:"contract_id"`
	OpportunityID        *int64     `json:"opportunityID" bun:"opportunity_id"`
	TicketID             *int64     `json:"ticketID" bun:"ticket_id"`
	StartDateTime        time.Time  `json:"startDateTime" bun:"start_date_time"`
	EndDateTime          time.Time  `json:"endDateTime" bun:"end_date_time"`
	CompletedDate        *time.Time `json:"completedDate" bun:"completed_date"`
	CreatorResourceID    *int64     `json:"creatorResourceID" bun:"creator_resource_id"`
	CreateDateTime       *time.Time `json:"createDateTime" bun:"create_date_time"`
	LastModifiedDate     *time.Time `json:"lastModifiedDate" bun:"last_modified_date"`
}

// Appointment is an Autotask Appointment: one owner, no location, privacy or
// recurrence.
type Appointment struct {
	ID                int64      `json:"id" bun:"-"`
	ResourceID        int64      `json:"resourceID" bun:"resource_id"`
	Title             string     `json:"title" bun:"title"`
	Description       string     `json:"description" bun:"description"`
	StartDateTime     time.Time  `json:"startDateTime" bun:"start_date_time"`
	EndDateTime       time.Time  `json:"endDateTime" bun:"end_date_time"`
	CreatorResourceID *int64     `json:"creatorResourceID" bun:"creator_resource_id"`
	CreateDateTime    *time.Time `json:"createDateTime" bun:"create_date_time"`
	UpdateDateTime    *time.Time `json:"updateDateTime" bun:"update_date_time"`
}

// ServiceCall is an Autotask ServiceCall. Who works on it comes from the
// ticket and task resource link entities.
type ServiceCall struct {
	ID                     int64      `json:"id" bun:"-"`
	CompanyID              int64      `json:"companyID" bun:"company_id"`
	CompanyLocationID      *int64     `json:"companyLocationID" bun:"company_location_id"`
	Description            string     `json:"description" bun:"description"`
	StartDateTime          time.Time  `json:"startDateTime" bun:"start_date_time"`
	EndDateTime            time.Time  `json:"endDateTime" bun:"end_date_time"`
	Duration               *float64   `json:"duration" bun:"duration"`
	Status                 *int64     `json:"status" bun:"status"`
	IsComplete             int        `json:"isComplete" bun:"is_complete"`
	CanceledByResourceID   *int64     `json:"canceledByResourceID" bun:"canceled_by_resource_id"`
	CanceledDateTime       *time.Time `json:"canceledDateTime" bun:"canceled_date_time"`
	CancelationNoticeHours *float64   `json:"cancelationNoticeHours" bun:"cancelation_notice_hours"`
	CreatorResourceID      *int64     `json:"creatorResourceID" bun:"creator_resource_id"`
	CreateDateTime         *time.Time `json:"createDateTime" bun:"create_date_time"`
	LastModifiedDateTime   *time.Time `json:"lastModifiedDateTime" bun:"last_modified_date_time"`
}

// ServiceCallTicket links a ticket to a service call.
type ServiceCallTicket struct {
	ID            int64 `json:"id" bun:"-"`
	ServiceCallID int64 `json:"serviceCallID" bun:"service_call_id"`
	TicketID      int64 `json:"ticketID" bun:"ticket_id"`
}

// ServiceCallTicketResource puts a resource on a service call's ticket.
type ServiceCallTicketResource struct {
	ID                  int64 `json:"id" bun:"-"`
	ServiceCallTicketID int64 `json:"serviceCallTicketID" bun:"service_call_ticket_id"`
	ResourceID          int64 `json:"resourceID" bun:"resource_id"`
}

// ServiceCallTask links a project task to a service call.
type ServiceCallTask struct {
	ID            int64 `json:"id" bun:"-"`
	ServiceCallID int64 `json:"serviceCallID" bun:"service_call_id"`
	TaskID        int64 `json:"taskID" bun:"task_id"`
}

// ServiceCallTaskResource puts a resource on a service call's task.
type ServiceCallTaskResource struct {
	ID                int64 `json:"id" bun:"-"`
	ServiceCallTaskID int64 `json:"serviceCallTaskID" bun:"service_call_task_id"`
	ResourceID        int64 `json:"resourceID" bun:"resource_id"`
}

// Ticket is the slice of an Autotask Ticket a service call description needs.
type Ticket struct {
	ID               int64      `json:"id" bun:"-"`
	TicketNumber     string     `json:"ticketNumber" bun:"ticket_number"`
	Title            string     `json:"title" bun:"title"`
	CompanyID        *int64     `json:"companyID" bun:"company_id"`
	Status           *int64     `json:"status" bun:"status"`
	LastActivityDate *time.Time `json:"lastActivityDate" bun:"last_activity_date"`
}

// Task is the slice of an Autotask project Task a service call description needs.
type Task struct {
	ID                   int64      `json:"id" bun:"-"`
	Title                string     `json:"title" bun:"title"`
	ProjectID            *int64     `json:"projectID" bun:"project_id"`
	Status               *int64     `json:"status" bun:"status"`
	LastActivityDateTime *time.Time `json:"lastActivityDateTime" bun:"last_activity_date_time"`
}

// TimeOffRequest is an Autotask TimeOffRequest. Only requests with a start
// and end time appear in calendars.
type TimeOffRequest struct {
	ID                   int64      `json:"id" bun:"-"`
	ResourceID           int64      `json:"resourceID" bun:"resource_id"`
	RequestDate          time.Time  `json:"requestDate" bun:"request_date"`
	StartTime            *time.Time `json:"startTime" bun:"start_time"`
	EndTime              *time.Time `json:"endTime" bun:"end_time"`
	Hours                float64    `json:"hours" bun:"hours"`
	Status               int64      `json:"status" bun:"status"`
	TimeOffRequestType   *int64     `json:"timeOffRequestType" bun:"time_off_request_type"`
	Reason               string     `json:"reason" bun:"reason"`
	RejectReason         string     `json:"rejectReason" bun:"reject_reason"`
	LastApprovedLevel    *int64     `json:"lastApprovedLevel" bun:"last_approved_level"`
	ApprovedDateTime     *time.Time `json:"approvedDateTime" bun:"approved_date_time"`
	CreateDateTime       *time.Time `json:"createDateTime" bun:"create_date_time"`
	LastModifiedDateTime *time.Time `json:"lastModifiedDateTime" bun:"last_modified_date_time"`
}

// LocalID reports whether id is a gateway-local id standing in for a PSA id
// (a row a client created that the PSA has not accepted yet).
func LocalID(id int64) bool { return id < 0 }
