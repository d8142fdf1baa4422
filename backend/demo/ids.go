package demo

// Autotask-like PSA ids, one range per entity, so a mixed-up reference is
// easy to spot. The PSA's own company has id 0, as in Autotask.
const (
	idCountry        = 401
	idResource       = 29682900
	idActionType     = 501
	idOwnCompany     = 0
	idCompany        = 174
	idLocation       = 10001
	idContact        = 30682900
	idNote           = 28850001
	idOpportunity    = 5101
	idTicket         = 7501
	idTask           = 9101
	idProject        = 4101
	idAppointment    = 40101
	idToDo           = 60101
	idServiceCall    = 70101
	idCallTicket     = 71101
	idCallTicketRes  = 72101
	idCallTask       = 73101
	idCallTaskRes    = 74101
	idTimeOffRequest = 80101
)
