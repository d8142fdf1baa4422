package native

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// section is what an import file holds for one entity: records in the
// shape of an Autotask query answer ({"items": […]}), and optionally the
// entity's field metadata ({"fields": […]}, entityInformation/fields).
type section struct {
	items     []json.RawMessage
	fields    []atjson.Field
	hasFields bool
}

// fileContent is an import file read but not yet checked. A file is either
// one entity's answer (top, with the entity named by an "entity" key, the
// caller's hint or the file name) or a bundle: entity names as keys.
type fileContent struct {
	entityKey string // the top-level "entity" value
	top       *section
	bundle    map[mapping.Entity]*section
	problems  problems
}

// readFile streams an import file. Records stay raw JSON until the entity
// they belong to is known; only malformed JSON is an error here, anything
// else is collected as a problem for the caller to report with the rest.
func readFile(r io.Reader) (*fileContent, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	fc := &fileContent{bundle: map[mapping.Entity]*section{}}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, jsonError(dec, err, "an import file is a JSON object")
	}
	for dec.More() {
		key, err := readKey(dec)
		if err != nil {
			return nil, jsonError(dec, err, "")
		}
		switch key {
		case "entity":
			if err := dec.Decode(&fc.entityKey); err != nil {
				if !isTypeError(err) {
					return nil, jsonError(dec, err, "")
				}
				fc.problems.add(Problem{Reason: `"entity" must be a string naming an entity, such as "Contacts"`})
			}
		case "items", "item", "fields":
			if fc.top == nil {
				fc.top = &section{}
			}
			if err := readPart(dec, key, fc.top, &fc.problems, ""); err != nil {
				return nil, err
			}
		case "pageDetails":
			if err := skip(dec); err != nil {
				return nil, err
			}
		default:
			e, ok := ParseEntity(key)
			if !ok {
				fc.problems.add(Problem{Reason: fmt.Sprintf("unknown key %q: not an entity psadav mirrors, nor items, fields or entity", key)})
				if err := skip(dec); err != nil {
					return nil, err
				}
				continue
			}
			sec := fc.bundle[e]
			if sec == nil {
				sec = &section{}
				fc.bundle[e] = sec
			}
			if err := readSection(dec, e, sec, &fc.problems); err != nil {
				return nil, err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, jsonError(dec, err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("import: unexpected data after the JSON object at byte %d", dec.InputOffset())
	}
	return fc, nil
}

// readSection reads one bundle entry: {"items": […], "fields": […]}.
func readSection(dec *json.Decoder, e mapping.Entity, sec *section, ps *problems) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonError(dec, err, "")
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		ps.add(Problem{Entity: e, Reason: `must be an object such as {"items": […]}`})
		return skipRest(dec, tok)
	}
	for dec.More() {
		key, err := readKey(dec)
		if err != nil {
			return jsonError(dec, err, "")
		}
		switch key {
		case "items", "item", "fields":
			if err := readPart(dec, key, sec, ps, e); err != nil {
				return err
			}
		case "pageDetails":
			if err := skip(dec); err != nil {
				return err
			}
		default:
			ps.add(Problem{Entity: e, Reason: fmt.Sprintf("unknown key %q (want items or fields)", key)})
			if err := skip(dec); err != nil {
				return err
			}
		}
	}
	return expectDelim(dec, '}')
}

// readPart reads the value of an items, item or fields key into sec.
func readPart(dec *json.Decoder, key string, sec *section, ps *problems, e mapping.Entity) error {
	switch key {
	case "item":
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonError(dec, err, "")
		}
		sec.items = append(sec.items, raw)
		return nil
	case "fields":
		var fields []atjson.Field
		if err := dec.Decode(&fields); err != nil {
			if !isTypeError(err) {
				return jsonError(dec, err, "")
			}
			ps.add(Problem{Entity: e, Reason: "field metadata: " + err.Error()})
		}
		sec.fields = append(sec.fields, fields...)
		sec.hasFields = true
		return nil
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonError(dec, err, "")
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		ps.add(Problem{Entity: e, Reason: `"items" must be an array of records`})
		return skipRest(dec, tok)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonError(dec, err, "")
		}
		sec.items = append(sec.items, raw)
	}
	return expectDelim(dec, ']')
}

func readKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	key, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, found %v", tok)
	}
	return key, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

// skip reads past one value.
func skip(dec *json.Decoder) error {
	var discard json.RawMessage
	if err := dec.Decode(&discard); err != nil {
		return jsonError(dec, err, "")
	}
	return nil
}

// skipRest reads past the rest of a value whose first token was tok.
func skipRest(dec *json.Decoder, tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	depth := 0
	if d == '{' || d == '[' {
		depth = 1
	}
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(dec, err, "")
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

// jsonError describes malformed JSON with the byte offset where reading stopped.
func jsonError(dec *json.Decoder, err error, hint string) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("import: the file ends in the middle of the JSON")
	}
	offset := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	if hint != "" {
		return fmt.Errorf("import: not valid at byte %d (%s): %w", offset, hint, err)
	}
	return fmt.Errorf("import: not valid JSON at byte %d: %w", offset, err)
}
