package native

import (
	"path/filepath"
	"strings"

	"github.com/psadav/psadav/backend/atjson"
	"github.com/psadav/psadav/mapping"
)

// ParseEntity finds a mirrored entity by name, ignoring case ("contacts"
// is Contacts).
func ParseEntity(name string) (mapping.Entity, bool) { return atjson.ParseEntity(name) }

// entityFromFileName reads the entity from a file name such as
// "exports/Contacts.json"; false when the name names none.
func entityFromFileName(name string) (mapping.Entity, bool) {
	if name == "" {
		return "", false
	}
	base := filepath.Base(name)
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".json") {
		base = base[:len(base)-len(ext)]
	}
	return ParseEntity(base)
}
