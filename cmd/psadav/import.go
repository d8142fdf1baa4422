package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/psadav/psadav/backend/native"
	"github.com/psadav/psadav/mapping"
)

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	entity := fs.String("entity", "", "entity the file holds (Contacts, Companies, …) when neither the file nor its name says")
	c, err := openCommand(ctx, fs, args, stderr, false, func(c *dbCommand) error {
		if len(c.args) == 0 {
			return errors.New("import: name one or more JSON files")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer c.store.Close()
	s, log := c.store, c.log
	for _, path := range c.args {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		start := time.Now()
		ui := newProgress("import", stderr, log)
		rep, err := native.Import(ctx, s, f, native.Options{Entity: mapping.Entity(*entity), FileName: filepath.Base(path),
			Progress: ui.update})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w (nothing was imported from it)", path, err)
		}
		entities := make([]string, 0, len(rep.Counts))
		for e := range rep.Counts {
			entities = append(entities, string(e))
		}
		sort.Strings(entities)
		fmt.Fprintf(stdout, "%s: %d created, %d updated, %d unchanged in %s\n", path, rep.Created, rep.Updated, rep.Unchanged,
			time.Since(start).Round(time.Millisecond))
		for _, e := range entities {
			fmt.Fprintf(stdout, "  %-28s %d\n", e, rep.Counts[mapping.Entity(e)])
		}
	}
	return nil
}
