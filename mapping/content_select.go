package mapping

import (
	"bytes"
	"strings"
)

// Partial retrieval: the components and properties a calendar-data
// (RFC 4791 §9.6.1–9.6.4) or address-data (RFC 6352 §10.4) element asks
// for, cut from an object's content lines.
//
// The cut works on the lines themselves rather than through go-ical or
// go-vcard: what a client may ask for (a VEVENT without DTSTAMP, a
// property without its value) is not a valid object, and go-ical's
// encoder refuses exactly that; the lines a client keeps also come back
// byte for byte as stored.

// CompSelection names the part of a component to return: its properties
// (all, or those named) and its subcomponents (all, or those named, each
// with its own selection). A component the selection does not name is
// left out with everything inside it; one it names without naming any of
// its properties or components comes whole (Apple's CalDAVTester asks for
// <comp name="VCALENDAR"/> and expects its events).
type CompSelection struct {
	Name     string
	AllProps bool
	Props    []PropSelection
	AllComps bool
	Comps    []*CompSelection
}

// PropSelection names a property; NoValue asks for its name and
// parameters without the value (RFC 4791 §9.6.4, RFC 6352 §10.4.2).
type PropSelection struct {
	Name    string
	NoValue bool
}

// selectAll is what allcomp gives each subcomponent: everything.
var selectAll = &CompSelection{AllProps: true, AllComps: true}

// comp is the selection for a subcomponent named name, nil to leave it out.
func (s *CompSelection) comp(name string) *CompSelection {
	if s.AllComps {
		return selectAll
	}
	for _, c := range s.Comps {
		if strings.EqualFold(c.Name, name) {
			return c.orAll()
		}
	}
	return nil
}

// orAll is s, or everything when s names nothing inside the component.
func (s *CompSelection) orAll() *CompSelection {
	if !s.AllProps && !s.AllComps && len(s.Props) == 0 && len(s.Comps) == 0 {
		return selectAll
	}
	return s
}

// prop says whether a property is kept, and whether without its value.
func (s *CompSelection) prop(name string) (keep, noValue bool) {
	if s.AllProps {
		return true, false
	}
	for _, p := range s.Props {
		if strings.EqualFold(p.Name, name) {
			return true, p.NoValue
		}
	}
	return false, false
}

// SelectContent returns the parts of an iCalendar object or a vCard that
// sel asks for, its root named by sel.Name (VCALENDAR, VCARD). Lines
// outside the root component are dropped.
func SelectContent(body []byte, sel *CompSelection) []byte {
	var out bytes.Buffer
	out.Grow(len(body) / 2)
	// stack holds the selection of each open component; nil for one that
	// is left out.
	var stack []*CompSelection
	for raw := range contentLines(body) {
		line := unfoldLine(raw)
		name, rest := lineName(line)
		switch {
		case strings.EqualFold(name, "BEGIN"):
			comp := strings.TrimSpace(strings.TrimPrefix(rest, ":"))
			var next *CompSelection
			switch {
			case len(stack) == 0:
				if strings.EqualFold(comp, sel.Name) {
					next = sel.orAll()
				}
			case stack[len(stack)-1] != nil:
				next = stack[len(stack)-1].comp(comp)
			}
			stack = append(stack, next)
			if next != nil {
				out.Write(raw)
			}
		case strings.EqualFold(name, "END"):
			if len(stack) == 0 {
				continue
			}
			if stack[len(stack)-1] != nil {
				out.Write(raw)
			}
			stack = stack[:len(stack)-1]
		case len(stack) == 0 || stack[len(stack)-1] == nil:
		default:
			keep, noValue := stack[len(stack)-1].prop(name)
			switch {
			case !keep:
			case noValue:
				writeFolded(&out, line[:len(line)-len(rest)]+lineParams(rest)+":")
			default:
				out.Write(raw)
			}
		}
	}
	return out.Bytes()
}

// contentLines yields each logical line of body with its folds and its
// line ending (a lone LF is accepted).
func contentLines(body []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for start := 0; start < len(body); {
			end := start
			for {
				i := bytes.IndexByte(body[end:], '\n')
				if i < 0 {
					end = len(body)
					break
				}
				end += i + 1
				if end >= len(body) || (body[end] != ' ' && body[end] != '\t') {
					break
				}
			}
			if !yield(body[start:end]) {
				return
			}
			start = end
		}
	}
}

// unfoldLine joins a logical line's folds and drops its line ending.
func unfoldLine(raw []byte) string {
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\n ", ""), "\n\t", "")
	return strings.TrimRight(s, "\r\n")
}

// lineName splits a content line into its property name, without a
// vCard group prefix (RFC 6350 §3.3), and the rest from the first ';' or
// ':' on.
func lineName(line string) (name, rest string) {
	i := strings.IndexAny(line, ";:")
	if i < 0 {
		i = len(line)
	}
	name = line[:i]
	if _, after, ok := strings.Cut(name, "."); ok {
		name = after
	}
	return strings.TrimSpace(name), line[i:]
}

// lineParams is the parameter part of rest (what follows the name): up
// to the first ':' outside a quoted parameter value.
func lineParams(rest string) string {
	quoted := false
	for i, r := range rest {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ':' && !quoted:
			return rest[:i]
		}
	}
	return rest
}
