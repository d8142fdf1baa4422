package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/psadav/psadav/storage"
)

const userUsage = `Usage:
  psadav user add LOGIN [--resource ID] [--password-stdin] [--admin] [settings flags]
  psadav user list
  psadav user show LOGIN
  psadav user set LOGIN [--contacts mine|all|none] [--all-contacts on|off]
                        [--calendar on|off] [--tasks on|off] [--time-zone ZONE] [--resource ID]
                        [--admin on|off]
  psadav user passwd LOGIN [--password-stdin]
  psadav user disable LOGIN
  psadav user enable LOGIN
  psadav user hidden LOGIN
  psadav user unhide LOGIN HREF | --all

Passwords are read from standard input with --password-stdin (one line);
otherwise one is generated and printed once. A new user is linked to the
PSA resource whose user name equals LOGIN unless --resource names another.

hidden lists the items the user's DELETEs hid from their collections (a
PSA item they may not delete in the PSA, a contact under contact-delete
hide); unhide brings one back (HREF as hidden lists it: COLLECTION/NAME,
or NAME when only one collection has it hidden) or all of them: they are
in the collection again at the user's next sync.

An admin may use the web console (/admin/) and the JSON API (/api/v1/);
admin rights change nothing in what the account sees over DAV.
`

// settingsFlags are the per-user settings a command may change.
type settingsFlags struct {
	contacts, allContacts, calendar, tasks, timeZone, resource string
}

func (f *settingsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.contacts, "contacts", "", "contacts scope: mine, all or none")
	fs.StringVar(&f.allContacts, "all-contacts", "", "the all-contacts book: on or off")
	fs.StringVar(&f.calendar, "calendar", "", "the calendar: on or off")
	fs.StringVar(&f.tasks, "tasks", "", "the task list: on or off")
	fs.StringVar(&f.timeZone, "time-zone", "", "IANA time zone calendars are served in, e.g. Europe/Berlin")
	fs.StringVar(&f.resource, "resource", "", "PSA resource id to link the login to")
}

func onOff(key, v string, dst *bool) error {
	switch strings.ToLower(v) {
	case "":
		return nil
	case "on", "yes", "true":
		*dst = true
	case "off", "no", "false":
		*dst = false
	default:
		return fmt.Errorf("--%s must be on or off, not %q", key, v)
	}
	return nil
}

// apply changes settings as the flags say.
func (f *settingsFlags) apply(u *storage.UserSettings) error {
	if f.contacts != "" {
		u.ContactsScope = f.contacts
	}
	if f.timeZone != "" {
		u.TimeZone = f.timeZone
	}
	if err := onOff("all-contacts", f.allContacts, &u.AllContacts); err != nil {
		return err
	}
	if err := onOff("calendar", f.calendar, &u.Calendar); err != nil {
		return err
	}
	if err := onOff("tasks", f.tasks, &u.Tasks); err != nil {
		return err
	}
	return u.Validate()
}

func (f *settingsFlags) resourceID() (*int64, error) {
	if f.resource == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(f.resource, 10, 64)
	if err != nil || id < 0 {
		return nil, fmt.Errorf("--resource must be a PSA resource id, not %q", f.resource)
	}
	return &id, nil
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return errors.New("user: no subcommand")
	}
	sub, args := args[0], args[1:]
	fs := newFlags("user "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage) }
	var sf settingsFlags
	var passwordStdin, all, addAdmin bool
	var setAdmin string
	switch sub {
	case "add":
		sf.register(fs)
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
		fs.BoolVar(&addAdmin, "admin", false, "make the user an admin (web console and API)")
	case "set":
		sf.register(fs)
		fs.StringVar(&setAdmin, "admin", "", "admin rights (web console and API): on or off")
	case "passwd":
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	case "unhide":
		fs.BoolVar(&all, "all", false, "un-hide every hidden item of the user")
	case "list", "show", "disable", "enable", "hidden":
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: unknown subcommand %q", sub)
	}
	var login, href string
	c, err := openCommand(ctx, fs, args, stderr, false, func(c *dbCommand) (err error) {
		if login, href, err = userArgs(sub, c.args, all, stderr); err != nil {
			return err
		}
		return onOff("admin", setAdmin, new(bool)) // before anything changes
	})
	if err != nil {
		return err
	}
	defer c.store.Close()
	s := c.store
	if sub != "list" && sub != "show" && sub != "hidden" {
		defer func() {
			if err == nil {
				// The console's names for the same changes.
				action := map[string]string{"set": "change", "passwd": "password"}[sub]
				if action == "" {
					action = sub
				}
				auditCLI(ctx, s, "user."+action, login, href)
			}
		}()
	}
	switch sub {
	case "add":
		if err := userAdd(ctx, s, login, &sf, passwordStdin, stdin, stdout); err != nil || !addAdmin {
			return err
		}
		return userSetAdmin(ctx, s, login, "on", stdout)
	case "list":
		return userList(ctx, s, stdout)
	case "show":
		return userShow(ctx, s, login, stdout)
	case "set":
		if err := userSet(ctx, s, login, &sf, stdout); err != nil {
			return err
		}
		return userSetAdmin(ctx, s, login, setAdmin, stdout)
	case "passwd":
		password, generated, err := newPassword(passwordStdin, stdin)
		if err != nil {
			return err
		}
		if err := s.SetPassword(ctx, login, password); err != nil {
			return notFound(err, login)
		}
		if generated {
			fmt.Fprintf(stdout, "new password for %s (shown once): %s\n", login, password)
		} else {
			fmt.Fprintf(stdout, "password of %s changed\n", login)
		}
		return nil
	case "disable", "enable":
		if err := s.SetEnabled(ctx, login, sub == "enable"); err != nil {
			return notFound(err, login)
		}
		fmt.Fprintf(stdout, "%s %sd\n", login, sub)
		return nil
	case "hidden":
		return userHidden(ctx, s, login, stdout)
	case "unhide":
		return userUnhide(ctx, s, login, href, stdout)
	}
	return nil
}

// userArgs reads a user subcommand's positional arguments: the login, and
// for unhide the item's href unless --all.
func userArgs(sub string, rest []string, all bool, stderr io.Writer) (login, href string, err error) {
	if len(rest) > 0 {
		login = rest[0]
	}
	if sub == "unhide" && len(rest) > 1 {
		href, rest = rest[1], rest[1:]
	}
	if len(rest) > 1 {
		return "", "", fmt.Errorf("user %s: unexpected %q", sub, rest[1])
	}
	if sub == "unhide" && (href == "") == !all {
		fmt.Fprint(stderr, userUsage)
		return "", "", errors.New("user unhide: name one item (HREF) or --all")
	}
	if sub != "list" && login == "" {
		fmt.Fprint(stderr, userUsage)
		return "", "", fmt.Errorf("user %s: which login?", sub)
	}
	return login, href, nil
}

func notFound(err error, login string) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no user %q", login)
	}
	return err
}

// newPassword reads a password from stdin or generates one.
func newPassword(fromStdin bool, stdin io.Reader) (password string, generated bool, err error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("reading the password: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < storage.MinPasswordLength {
			return "", false, fmt.Errorf("the password must have at least %d characters", storage.MinPasswordLength)
		}
		return line, false, nil
	}
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", false, err
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), true, nil
}

func userAdd(ctx context.Context, s *storage.Store, login string, sf *settingsFlags, fromStdin bool, stdin io.Reader, stdout io.Writer) error {
	settings := storage.DefaultUserSettings()
	if err := sf.apply(&settings); err != nil {
		return err
	}
	resource, err := sf.resourceID()
	if err != nil {
		return err
	}
	if resource == nil {
		if id, ok, err := s.ResourceByUserName(ctx, login); err != nil {
			return err
		} else if ok {
			resource = &id
		}
	}
	password, generated, err := newPassword(fromStdin, stdin)
	if err != nil {
		return err
	}
	acct, err := s.CreateAccount(ctx, login, password, resource, settings)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added", acct.Login)
	if resource != nil {
		fmt.Fprintf(stdout, " (PSA resource %d)", *resource)
	} else {
		fmt.Fprintf(stdout, " (not linked to a PSA resource: %s)", unlinkedContent(acct.Settings))
	}
	fmt.Fprintln(stdout)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return nil
}

// unlinkedContent says what a user without a PSA resource will see: only
// the books that do not depend on who they are in the PSA.
func unlinkedContent(u storage.UserSettings) string {
	var books []string
	if u.ContactsScope == storage.ScopeAll {
		books = append(books, "contacts")
	}
	if u.AllContacts {
		books = append(books, "all-contacts")
	}
	switch len(books) {
	case 0:
		return "none of their collections has content until you link one with psadav user set LOGIN --resource ID"
	case 1:
		return "only the " + books[0] + " book has content; link one with --resource ID for the rest"
	}
	return "only the contacts and all-contacts books have content; link one with --resource ID for the rest"
}

func userSet(ctx context.Context, s *storage.Store, login string, sf *settingsFlags, stdout io.Writer) error {
	resource, err := sf.resourceID()
	if err != nil {
		return err
	}
	var flagErr error
	acct, err := s.UpdateSettings(ctx, login, func(u *storage.UserSettings) { flagErr = sf.apply(u) })
	if flagErr != nil {
		return flagErr
	}
	if err != nil {
		return notFound(err, login)
	}
	if resource != nil {
		if err := s.LinkResource(ctx, login, *resource); err != nil {
			return notFound(err, login)
		}
	}
	fmt.Fprintf(stdout, "%s: contacts=%s all-contacts=%s calendar=%s tasks=%s time-zone=%s\n", acct.Login,
		acct.Settings.ContactsScope, onOffText(acct.Settings.AllContacts), onOffText(acct.Settings.Calendar),
		onOffText(acct.Settings.Tasks), acct.Settings.TimeZone)
	return nil
}

// userSetAdmin gives or takes admin rights as --admin says ("": unchanged).
func userSetAdmin(ctx context.Context, s *storage.Store, login, value string, stdout io.Writer) error {
	if value == "" {
		return nil
	}
	var admin bool
	if err := onOff("admin", value, &admin); err != nil {
		return err
	}
	if err := s.SetAdmin(ctx, login, admin); err != nil {
		return notFound(err, login)
	}
	fmt.Fprintf(stdout, "%s: admin=%s\n", login, onOffText(admin))
	return nil
}

func onOffText(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func userList(ctx context.Context, s *storage.Store, stdout io.Writer) error {
	accts, err := s.Accounts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tENABLED\tRESOURCE\tCONTACTS\tALL-CONTACTS\tCALENDAR\tTASKS\tTIME ZONE\tLAST LOGIN")
	for _, a := range accts {
		res, last := "-", "never"
		if a.ResourceID != nil {
			res = strconv.FormatInt(*a.ResourceID, 10)
		}
		if a.LastLoginAt != nil {
			last = a.LastLoginAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Login, yesNo(a.Enabled), res, a.Settings.ContactsScope,
			onOffText(a.Settings.AllContacts), onOffText(a.Settings.Calendar), onOffText(a.Settings.Tasks), a.Settings.TimeZone, last)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func userShow(ctx context.Context, s *storage.Store, login string, stdout io.Writer) error {
	a, err := s.Account(ctx, login)
	if err != nil {
		return notFound(err, login)
	}
	info, err := s.PrincipalInfo(ctx, a)
	if err != nil {
		return err
	}
	colls, err := s.UserCollections(ctx, a.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "login:        %s\nname:         %s\ne-mail:       %s\nenabled:      %s\nadmin:        %s\n",
		a.Login, info.DisplayName, info.Email, yesNo(a.Enabled), yesNo(a.Admin))
	if a.ResourceID != nil {
		fmt.Fprintf(stdout, "resource:     %d\n", *a.ResourceID)
	} else {
		fmt.Fprintln(stdout, "resource:     (none)")
	}
	fmt.Fprintf(stdout, "contacts:     %s\nall-contacts: %s\ncalendar:     %s\ntasks:        %s\ntime zone:    %s\n",
		a.Settings.ContactsScope, onOffText(a.Settings.AllContacts), onOffText(a.Settings.Calendar), onOffText(a.Settings.Tasks), a.Settings.TimeZone)
	fmt.Fprintln(stdout, "collections:")
	for _, c := range colls {
		n := 0
		if err := s.ListObjects(ctx, c.ID, func(storage.ObjectInfo) error { n++; return nil }); err != nil {
			return err
		}
		home := "calendars"
		if c.Name == storage.CollContacts || c.Name == storage.CollAllContacts {
			home = "addressbooks"
		}
		fmt.Fprintf(stdout, "  /dav/%s/%s/%s/  %d objects\n", home, a.Login, c.Name, n)
	}
	return nil
}

func userHidden(ctx context.Context, s *storage.Store, login string, stdout io.Writer) error {
	items, err := s.HiddenItems(ctx, login)
	if err != nil {
		return notFound(err, login)
	}
	if len(items) == 0 {
		fmt.Fprintf(stdout, "%s has no hidden items\n", login)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HREF\tKIND\tPSA ID\tTITLE\tHIDDEN SINCE")
	for _, it := range items {
		id := "-"
		if it.PSAID != nil {
			id = strconv.FormatInt(*it.PSAID, 10)
		}
		fmt.Fprintf(tw, "%s/%s\t%s\t%s\t%s\t%s\n", it.Collection, it.Href, it.Kind, id, it.Title,
			it.HiddenAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return tw.Flush()
}

func userUnhide(ctx context.Context, s *storage.Store, login, href string, stdout io.Writer) error {
	var n int
	var err error
	if href == "" {
		n, err = s.UnhideAll(ctx, login)
	} else {
		n, err = s.Unhide(ctx, login, href)
	}
	if err != nil {
		return notFound(err, login)
	}
	if n == 0 && href != "" {
		return fmt.Errorf("%s has no hidden item %q (psadav user hidden %s lists them)", login, href, login)
	}
	fmt.Fprintf(stdout, "%d item(s) of %s un-hidden; they return at the next sync\n", n, login)
	return nil
}
