package native

import (
	"fmt"
	"strings"

	"github.com/psadav/psadav/mapping"
)

// MaxProblems is how many problems a refused import lists; the rest are
// only counted.
const MaxProblems = 50

// Problem is one thing wrong with an import file.
type Problem struct {
	Entity mapping.Entity // "" for a problem with the file's shape
	ID     int64          // the record's id, when HasID
	HasID  bool
	Item   int    // 1-based position in the entity's items, 0 when not about one record
	Field  string // the Autotask field name, when one is at fault
	Reason string // what is wrong, in words
}

func (p Problem) String() string {
	var where string
	switch {
	case p.HasID:
		where = fmt.Sprintf("%s id %d", p.Entity, p.ID)
	case p.Item > 0:
		where = fmt.Sprintf("%s item %d", p.Entity, p.Item)
	case p.Entity != "" && p.Field != "":
		where = fmt.Sprintf("%s field %s", p.Entity, p.Field)
	case p.Entity != "":
		where = string(p.Entity)
	default:
		return p.Reason
	}
	return where + ": " + p.Reason
}

// ValidationError refuses a whole file: it lists what is wrong, and
// nothing of the file was applied.
type ValidationError struct {
	Problems []Problem // the first MaxProblems
	Total    int       // every problem found
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import refused, nothing applied: %d problem", e.Total)
	if e.Total != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if more := e.Total - len(e.Problems); more > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", more)
	}
	return b.String()
}

// problems collects what a check finds.
type problems struct {
	list  []Problem
	total int
}

func (ps *problems) add(p Problem) {
	ps.total++
	if len(ps.list) < MaxProblems {
		ps.list = append(ps.list, p)
	}
}

func (ps *problems) err() error {
	if ps.total == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list, Total: ps.total}
}
