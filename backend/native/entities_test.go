package native

import (
	"testing"

	"github.com/psadav/psadav/mapping"
)

func TestEntityNames(t *testing.T) {
	for name, want := range map[string]mapping.Entity{
		"Contacts.json": mapping.EntityContacts, "/tmp/x/contacts.JSON": mapping.EntityContacts,
		"CompanyToDos": mapping.EntityCompanyToDos, "export.json": "", "": "",
	} {
		got, _ := entityFromFileName(name)
		if got != want {
			t.Errorf("entityFromFileName(%q) = %q, want %q", name, got, want)
		}
	}
}
