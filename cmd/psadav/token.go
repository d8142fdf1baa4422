package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/psadav/psadav/storage"
)

const tokenUsage = `Usage:
  psadav token create NAME    make an API token; it is printed once
  psadav token list           the tokens with their last use
  psadav token revoke NAME    delete a token: its next request is refused

An API token lets a script use the JSON API (/api/v1/, described at
/api/v1/openapi.json) with an admin's rights:
  curl -H "Authorization: Bearer psadav_…" https://dav.example.com/api/v1/users
`

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprint(stderr, tokenUsage)
		return errors.New("token: create, list or revoke?")
	}
	sub := args[0]
	fs := newFlags("token "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, tokenUsage) }
	cfg, rest, err := loadConfig(fs, args[1:], dbKeys...)
	if err != nil {
		return err
	}
	if (sub == "list") != (len(rest) == 0) || len(rest) > 1 {
		fmt.Fprint(stderr, tokenUsage)
		return fmt.Errorf("token %s: unexpected arguments %q", sub, rest)
	}
	s, err := openStore(ctx, cfg, newLogger(cfg, stderr), false)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "create":
		_, secret, err := s.CreateAPIToken(ctx, rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API token %q (shown once): %s\n", rest[0], secret)
		auditCLI(ctx, s, "token.create", rest[0], "")
	case "revoke":
		if err := s.RevokeAPIToken(ctx, rest[0]); errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no token %q (psadav token list shows them)", rest[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %q revoked\n", rest[0])
		auditCLI(ctx, s, "token.revoke", rest[0], "")
	case "list":
		tokens, err := s.APITokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCREATED\tLAST USED")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), stamp(t.LastUsedAt))
		}
		return tw.Flush()
	}
	return nil
}
