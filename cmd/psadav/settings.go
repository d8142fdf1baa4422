package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/psadav/psadav/storage"
)

const settingsUsage = `Usage:
  psadav settings show
  psadav settings set KEY VALUE
`

func cmdSettings(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		fmt.Fprint(stderr, settingsUsage)
		return errors.New("settings: show or set?")
	}
	sub := args[0]
	fs := newFlags("settings "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, settingsUsage) }
	c, err := openCommand(ctx, fs, args[1:], stderr, false, func(c *dbCommand) error {
		if sub == "set" && len(c.args) != 2 {
			fmt.Fprint(stderr, settingsUsage)
			return errors.New("settings set: need KEY and VALUE")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer c.store.Close()
	s, rest := c.store, c.args
	if sub == "set" {
		if err := s.SetSetting(ctx, rest[0], rest[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s = %s\n", rest[0], rest[1])
		auditCLI(ctx, s, "settings.set", rest[0], rest[1])
		return nil
	}
	values, err := s.SettingValues(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, k := range storage.SettingKeys {
		marker := ""
		if values[k.Key] != k.Default {
			marker = " (changed)"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\n", k.Key, values[k.Key], marker, k.Help)
	}
	return tw.Flush()
}
