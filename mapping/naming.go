package mapping

import (
	"strconv"
	"strings"
)

// Kind is a kind of DAV object psadav renders from PSA records; it names
// hrefs, UIDs and PSA links.
type Kind string

const (
	KindContact     Kind = "contact"
	KindAppointment Kind = "appointment"
	KindToDo        Kind = "todo"
	KindServiceCall Kind = "service-call"
	KindTimeOff     Kind = "time-off"
)

// Extension is the file extension of a kind's objects.
func (k Kind) Extension() string {
	if k == KindContact {
		return ".vcf"
	}
	return ".ics"
}

// Href is the stable resource name of a PSA item: kind and PSA id
// ("contact-29684.vcf"). A row the PSA has not accepted yet (a negative
// local id) is named by its local id ("contact-local-5.vcf").
func Href(k Kind, id int64) string {
	if LocalID(id) {
		return string(k) + "-local-" + strconv.FormatInt(-id, 10) + k.Extension()
	}
	return string(k) + "-" + strconv.FormatInt(id, 10) + k.Extension()
}

// UID is the stable UID of a PSA item. A client-created item keeps the UID
// its client gave it (clientUID) in every collection it appears in.
func UID(k Kind, id int64, clientUID string) string {
	if clientUID != "" {
		return clientUID
	}
	if LocalID(id) {
		return "psadav-" + string(k) + "-local-" + strconv.FormatInt(-id, 10)
	}
	return "psadav-" + string(k) + "-" + strconv.FormatInt(id, 10)
}

// PSALink fills the PSA web link template for an item: {entity} becomes
// the PSA's singular entity name and {id} its id. Items the PSA has not
// accepted yet have no link.
func PSALink(template string, k Kind, id int64) string {
	if template == "" || LocalID(id) {
		return ""
	}
	entity := map[Kind]string{
		KindContact: "Contact", KindAppointment: "Appointment", KindToDo: "ToDo",
		KindServiceCall: "ServiceCall", KindTimeOff: "TimeOffRequest",
	}[k]
	return strings.ReplaceAll(strings.ReplaceAll(template, "{entity}", entity), "{id}", strconv.FormatInt(id, 10))
}

// ParseUID reads a UID that UID made for a PSA item of kind k: the PSA id,
// or (local true) the negated local id. ok is false for any other UID,
// such as one a client made up.
func ParseUID(k Kind, uid string) (id int64, ok bool) {
	rest, found := strings.CutPrefix(uid, "psadav-"+string(k)+"-")
	if !found {
		return 0, false
	}
	local := false
	if r, isLocal := strings.CutPrefix(rest, "local-"); isLocal {
		rest, local = r, true
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 || (local && n == 0) || strconv.FormatInt(n, 10) != rest {
		return 0, false
	}
	if local {
		return -n, true
	}
	return n, true
}
