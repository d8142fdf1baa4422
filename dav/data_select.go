package dav

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// Partial retrieval: a requested calendar-data may name the components
// and properties it wants (RFC 4791 §9.6.1–9.6.4), an address-data the
// properties (RFC 6352 §10.4.2); mapping.SelectContent cuts them from the
// object. The ETag and getcontentlength stay the whole object's.

// maxSelectionElems bounds the elements one selection may hold.
const maxSelectionElems = 256

// isDataProp reports whether a requested property carries object data.
func isDataProp(n xml.Name) bool { return n == pCalendarData || n == pAddressData }

// readDataSelection reads the children of a calendar-data or address-data
// element (start, already read) through its end element. It returns nil
// when they select nothing: the whole object is returned. So does a
// top-level comp without a name: go-webdav's client sends one (with
// allprop alone) for a request that names no component, meaning all.
func readDataSelection(d *xml.Decoder, start xml.StartElement) (*mapping.CompSelection, error) {
	ns := start.Name.Space
	var root *mapping.CompSelection
	// stack holds the open comp elements; card is the implicit VCARD an
	// address-data's props belong to.
	var stack []*mapping.CompSelection
	card := &mapping.CompSelection{Name: "VCARD"}
	depth, elems := 0, 0
	bad := func(format string, a ...any) error {
		return errStatus(http.StatusBadRequest, "%s: "+format, append([]any{start.Name.Local}, a...)...)
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, errStatus(http.StatusBadRequest, "malformed XML request body: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxXMLNesting {
				return nil, bad("nested deeper than %d", maxXMLNesting)
			}
			if elems++; elems > maxSelectionElems {
				return nil, bad("more than %d elements", maxSelectionElems)
			}
			if t.Name.Space != ns {
				continue
			}
			top := card
			if ns == nsCalDAV {
				if len(stack) == 0 && t.Name.Local != "comp" {
					continue // expand, limit-recurrence-set, …: read elsewhere
				}
				if len(stack) > 0 {
					top = stack[len(stack)-1]
				}
			}
			if err := addSelectionElem(t, top, &stack, &root, ns); err != nil {
				return nil, bad("%v", err)
			}
		case xml.EndElement:
			if depth == 0 {
				switch {
				case ns == nsCardDAV && (card.AllProps || len(card.Props) > 0):
					return card, nil
				case root == nil || root.Name == "":
					return nil, nil
				}
				return root, nil
			}
			depth--
			if t.Name == name(nsCalDAV, "comp") && len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// addSelectionElem adds one comp, prop, allprop or allcomp element to the
// selection it sits in (top); a comp opens a new level on stack.
func addSelectionElem(t xml.StartElement, top *mapping.CompSelection, stack *[]*mapping.CompSelection, root **mapping.CompSelection, ns string) error {
	nameAttr := strings.TrimSpace(attr(t, "name"))
	switch t.Name.Local {
	case "comp":
		if ns != nsCalDAV {
			return nil
		}
		if nameAttr == "" && len(*stack) > 0 {
			return errors.New("a comp needs a name")
		}
		c := &mapping.CompSelection{Name: strings.ToUpper(nameAttr)}
		if len(*stack) == 0 {
			if *root != nil {
				return errors.New("more than one top-level comp")
			}
			*root = c
		} else {
			top.Comps = append(top.Comps, c)
		}
		*stack = append(*stack, c)
	case "prop":
		if nameAttr == "" {
			return errors.New("a prop needs a name")
		}
		top.Props = append(top.Props, mapping.PropSelection{Name: strings.ToUpper(nameAttr), NoValue: attr(t, "novalue") == "yes"})
	case "allprop":
		top.AllProps = true
	case "allcomp":
		top.AllComps = true
	}
	return nil
}

// addSelection records the selection of data property n (nil: none).
func addSelection(m map[xml.Name]*mapping.CompSelection, n xml.Name, sel *mapping.CompSelection) map[xml.Name]*mapping.CompSelection {
	if sel == nil {
		return m
	}
	if m == nil {
		m = map[xml.Name]*mapping.CompSelection{}
	}
	m[n] = sel
	return m
}
