package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// The flag package is kept (rather than cobra or ff): every command's
// options already come from one table (config.go) with the environment and
// the file beside them, and the three things it lacked are a few lines
// here: flags between positional arguments, negative numbers as values,
// and errors reported once by the caller instead of printed by the parser.

// globalKeys are the options every command takes wherever they stand:
// psadav --data X user list, psadav user list --data X and
// psadav user --data X list are the same command.
var globalKeys = []string{"config", "data", "database-url", "log-level", "log-format"}

// negativeNumber is a positional value such as -5 (settings set
// window-past-days -5), never a flag: no flag name starts with a digit.
var negativeNumber = regexp.MustCompile(`^-[0-9][0-9.]*$`)

// hoistGlobals moves the global options out of args, wherever they stand
// before a "--", and appends them at the end, where every command's
// parser reads them; cmd is the first remaining argument (the command).
func hoistGlobals(args []string) (cmd string, rest []string) {
	var globals, others []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			others = append(others, args[i:]...)
			break
		}
		name, value, hasValue := flagName(a)
		if name == "" || !isGlobal(name) {
			others = append(others, a)
			continue
		}
		if hasValue {
			globals = append(globals, "--"+name+"="+value)
			continue
		}
		if i+1 < len(args) {
			globals = append(globals, "--"+name+"="+args[i+1])
			i++
			continue
		}
		globals = append(globals, a) // the parser says it needs a value
	}
	if len(others) == 0 {
		return "", globals
	}
	rest = append([]string(nil), others[1:]...)
	if i := indexOf(rest, "--"); i >= 0 {
		return others[0], append(append(append([]string(nil), rest[:i]...), globals...), rest[i:]...)
	}
	return others[0], append(rest, globals...)
}

func isGlobal(name string) bool {
	for _, k := range globalKeys {
		if k == name {
			return true
		}
	}
	return false
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// flagName splits -name, --name and --name=value; name is "" for a
// positional argument (including "-" and negative numbers).
func flagName(a string) (name, value string, hasValue bool) {
	if len(a) < 2 || a[0] != '-' || negativeNumber.MatchString(a) || a == "--" {
		return "", "", false
	}
	name = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue
}

// parseArgs parses flags wherever they stand among the positional
// arguments and returns the positional ones. A value that looks like a
// negative number is a positional argument, or the value of the flag
// before it. The parser prints nothing: the caller reports the error once;
// -h prints the flag set's usage and returns flag.ErrHelp.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		name, _, hasValue := flagName(a)
		if name == "" {
			positional = append(positional, a)
			args = args[1:]
			continue
		}
		n := 1
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) && len(args) > 1 {
			n = 2 // --tombstone-days -5: the value, whatever it looks like
		}
		if err := parseQuietly(fs, args[:n]); err != nil {
			return nil, err
		}
		args = args[n:]
	}
	return positional, nil
}

// parseQuietly runs fs.Parse without letting it print; on -h it prints
// the usage itself.
func parseQuietly(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		if usage != nil {
			usage()
		} else {
			fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
	}
	return err
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
