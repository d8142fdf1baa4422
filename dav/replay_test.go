package dav_test

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClientReplays plays the conversations under testdata/clients/: the
// requests a client we cannot run here (iOS/macOS, DAVx5, Thunderbird,
// Outlook with CalDav Synchronizer) sends, each answer checked the way that
// client reads it. Each file is one conversation against a fresh server
// (calEnv: alice with two Acme contacts, PSA appointments and to-dos), on
// SQLite and PostgreSQL. The format is described in
// testdata/clients/README.md; adding a conversation is writing a file.
func TestClientReplays(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "clients", "*", "*.txt"))
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no conversations under testdata/clients")
	}
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file)) + "/" + strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			conv, err := parseConversation(file)
			if err != nil {
				t.Fatal(err)
			}
			forEachCalEnv(t, func(t *testing.T, e *calEnv) { conv.play(t, e.env, e.day) })
		})
	}
}

// exchange is one request of a conversation and the checks on its answer.
type exchange struct {
	line    int // where the request starts in the file, for messages
	method  string
	path    string
	headers [][2]string
	body    string
	status  []int    // any of these
	checks  []string // check lines, see testdata/clients/README.md
}

type conversation struct {
	file      string
	exchanges []exchange
}

// parseConversation reads a conversation file: "# " comments, then
// exchanges, each ">>> METHOD PATH", header lines, a blank line, the body,
// "<<< STATUS[|STATUS…]" and check lines.
func parseConversation(file string) (*conversation, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &conversation{file: file}
	const (
		outside = iota
		inHeaders
		inBody
		inChecks
	)
	state := outside
	var cur *exchange
	var body []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, ">>> "):
			fields := strings.Fields(line[4:])
			if len(fields) != 2 {
				return nil, fmt.Errorf("%s:%d: want \">>> METHOD PATH\"", file, n)
			}
			c.exchanges = append(c.exchanges, exchange{line: n, method: fields[0], path: fields[1]})
			cur = &c.exchanges[len(c.exchanges)-1]
			state, body = inHeaders, nil
			continue
		case strings.HasPrefix(line, "<<< "):
			if cur == nil || state == inChecks {
				return nil, fmt.Errorf("%s:%d: answer without a request", file, n)
			}
			cur.body = joinBody(body)
			for _, s := range strings.Split(strings.TrimSpace(line[4:]), "|") {
				code, err := strconv.Atoi(s)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: bad status %q", file, n, s)
				}
				cur.status = append(cur.status, code)
			}
			state = inChecks
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue // a comment, also between headers and body lines
		}
		switch state {
		case outside:
			if line != "" {
				return nil, fmt.Errorf("%s:%d: text outside an exchange", file, n)
			}
		case inHeaders:
			if line == "" {
				state = inBody
				continue
			}
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("%s:%d: want a header line", file, n)
			}
			cur.headers = append(cur.headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
		case inBody:
			body = append(body, line)
		case inChecks:
			if t := strings.TrimSpace(line); t != "" {
				cur.checks = append(cur.checks, t)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if state != inChecks && state != outside {
		return nil, fmt.Errorf("%s: the last request has no \"<<<\" answer", file)
	}
	return c, nil
}

// joinBody joins body lines with CRLF (iCalendar and vCard need it; XML does
// not mind) without the blank lines around them.
func joinBody(lines []string) string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return ""
	}
	s := strings.Join(lines, "\r\n")
	if !strings.HasPrefix(strings.TrimSpace(s), "<") {
		s += "\r\n"
	}
	return s
}

// replay holds a running conversation's saved values.
type replay struct {
	t    *testing.T
	file string
	day  time.Time
	vars map[string]string
}

func (c *conversation) play(t *testing.T, e *env, day time.Time) {
	r := &replay{t: t, file: c.file, day: day, vars: map[string]string{}}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, x := range c.exchanges {
		target := r.expand(x.path)
		if !strings.HasPrefix(target, "http") {
			target = e.srv.URL + target // a path; a saved Location may be a whole URL
		}
		req, err := http.NewRequest(x.method, target, strings.NewReader(r.expand(x.body)))
		must(t, err)
		auth := true
		for _, h := range x.headers {
			if strings.EqualFold(h[0], "Authorization") && h[1] == "none" {
				auth = false
				continue
			}
			req.Header.Set(h[0], r.expand(h[1]))
		}
		if auth {
			req.SetBasicAuth("alice", "alice-pw")
		}
		resp, err := client.Do(req)
		must(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		must(t, err)
		a := &answer{resp: resp, body: string(b), path: req.URL.Path}
		where := fmt.Sprintf("%s:%d %s %s", c.file, x.line, x.method, req.URL.Path)
		ok := false
		for _, s := range x.status {
			ok = ok || resp.StatusCode == s
		}
		if !ok {
			t.Fatalf("%s: status %d, want %v\n%s", where, resp.StatusCode, x.status, a.body)
		}
		for _, check := range x.checks {
			if msg := r.check(a, check); msg != "" {
				t.Fatalf("%s: %s: %s\n%s", where, check, msg, a.body)
			}
		}
	}
}

var varRe = regexp.MustCompile(`\$\{([a-z0-9_]+)([+-]\d+)?\}`)

// expand replaces ${name} by a saved value, ${utc±N} by midnight UTC N days
// from today (20261203T000000Z) and ${date±N} by that day's DATE.
func (r *replay) expand(s string) string {
	return varRe.ReplaceAllStringFunc(s, func(m string) string {
		g := varRe.FindStringSubmatch(m)
		days := 0
		if g[2] != "" {
			days, _ = strconv.Atoi(g[2])
		}
		switch g[1] {
		case "utc":
			return r.day.AddDate(0, 0, days).Format("20060102T150405Z")
		case "date":
			return r.day.AddDate(0, 0, days).Format("20060102")
		}
		v, ok := r.vars[g[1]]
		if !ok {
			r.t.Fatalf("%s: ${%s} was never saved", r.file, g[1])
		}
		return v
	})
}

// answer is one response with its body parsed on demand.
type answer struct {
	resp *http.Response
	body string
	path string
	root *node
}

// node is an element of an XML answer: its expanded name, text and children.
type node struct {
	name     xml.Name
	text     string
	children []*node
}

func (a *answer) xml() (*node, error) {
	if a.root != nil {
		return a.root, nil
	}
	d := xml.NewDecoder(strings.NewReader(a.body))
	var stack []*node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("answer is not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				a.root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if a.root == nil {
		return nil, fmt.Errorf("answer has no XML body")
	}
	return a.root, nil
}

// prefixes are the namespace prefixes check lines may use.
var prefixes = map[string]string{
	"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav", "CR": "urn:ietf:params:xml:ns:carddav",
	"CS": "http://calendarserver.org/ns/", "A": "http://apple.com/ns/ical/", "P": "https://psadav.org/ns/",
}

// find returns the descendants of n along a path such as
// "D:privilege/D:write".
func (n *node) find(path string) ([]*node, error) {
	cur := []*node{n}
	for _, step := range strings.Split(path, "/") {
		pfx, local, ok := strings.Cut(step, ":")
		space, known := prefixes[pfx]
		if !ok || !known {
			return nil, fmt.Errorf("bad path step %q (want a prefix of %v)", step, prefixes)
		}
		var next []*node
		for _, c := range cur {
			for _, k := range c.children {
				if k.name.Space == space && k.name.Local == local {
					next = append(next, k)
				}
			}
		}
		cur = next
	}
	return cur, nil
}

// response is a multistatus response: its href, its own status if any,
// and the properties of its 200 propstats.
type response struct {
	href   string
	status string
	props  []*node // the D:prop elements of 200 propstats
}

func (a *answer) responses() ([]response, error) {
	root, err := a.xml()
	if err != nil {
		return nil, err
	}
	rs, _ := root.find("D:response")
	var out []response
	for _, r := range rs {
		var res response
		if h, _ := r.find("D:href"); len(h) > 0 {
			res.href = strings.TrimSpace(h[0].text)
		}
		if s, _ := r.find("D:status"); len(s) > 0 {
			res.status = strings.TrimSpace(s[0].text)
		}
		pss, _ := r.find("D:propstat")
		for _, ps := range pss {
			if s, _ := ps.find("D:status"); len(s) == 0 || !strings.Contains(s[0].text, " 200 ") {
				continue
			}
			p, _ := ps.find("D:prop")
			res.props = append(res.props, p...)
		}
		out = append(out, res)
	}
	return out, nil
}

// propValues returns the nodes at path under a response's 200 properties.
func (res response) propValues(path string) ([]*node, error) {
	var out []*node
	for _, p := range res.props {
		ns, err := p.find(path)
		if err != nil {
			return nil, err
		}
		out = append(out, ns...)
	}
	return out, nil
}

// responseFor finds the response for href. "." is the request path, or
// the only response: a PROPFIND of / is answered for /dav/, and clients
// read the single response of a Depth 0 PROPFIND whatever its href.
func (a *answer) responseFor(href string) (response, error) {
	rs, err := a.responses()
	if err != nil {
		return response{}, err
	}
	if href == "." {
		if len(rs) == 1 {
			return rs[0], nil
		}
		href = a.path
	}
	for _, r := range rs {
		if r.href == href {
			return r, nil
		}
	}
	return response{}, fmt.Errorf("no response for %s", href)
}

// responseNode is the D:response element for href, as in responseFor.
func (a *answer) responseNode(href string) (*node, error) {
	res, err := a.responseFor(href)
	if err != nil {
		return nil, err
	}
	root, _ := a.xml()
	rs, _ := root.find("D:response")
	for _, r := range rs {
		if h, _ := r.find("D:href"); len(h) > 0 && strings.TrimSpace(h[0].text) == res.href {
			return r, nil
		}
	}
	return nil, fmt.Errorf("no response for %s", href)
}

// firstDescendant returns the first element named name under n, in
// document order, or nothing.
func firstDescendant(n *node, name xml.Name) []*node {
	for _, c := range n.children {
		if c.name == name {
			return []*node{c}
		}
		if found := firstDescendant(c, name); found != nil {
			return found
		}
	}
	return nil
}

// members are the responses other than the request path's own.
func (a *answer) members() ([]response, error) {
	rs, err := a.responses()
	if err != nil {
		return nil, err
	}
	var out []response
	for _, r := range rs {
		if r.href != a.path {
			out = append(out, r)
		}
	}
	return out, nil
}

// compare applies "= VALUE", "=? VALUE", "~ VALUE", "~i VALUE", "!~ VALUE",
// "present" or "absent"
// to the texts found; it returns what went wrong or "".
func compare(found []*node, op []string) string {
	if len(op) == 0 {
		return "missing comparison"
	}
	arg := strings.Join(op[1:], " ")
	texts := make([]string, len(found))
	for i, n := range found {
		texts[i] = strings.TrimSpace(n.text)
	}
	switch op[0] {
	case "present":
		if len(found) == 0 {
			return "not found"
		}
	case "absent":
		if len(found) > 0 {
			return fmt.Sprintf("found %q", texts)
		}
	case "=":
		if len(found) == 0 || texts[0] != arg {
			return fmt.Sprintf("found %q", texts)
		}
	case "=?": // equal, unless nothing was saved to compare with
		if arg != "" && (len(found) == 0 || texts[0] != arg) {
			return fmt.Sprintf("found %q, want %q", texts, arg)
		}
	case "~":
		if len(found) == 0 || !strings.Contains(texts[0], arg) {
			return fmt.Sprintf("found %q", texts)
		}
	case "~i": // contains, ignoring case (vCard and iCalendar names are case-insensitive)
		if len(found) == 0 || !strings.Contains(strings.ToLower(texts[0]), strings.ToLower(arg)) {
			return fmt.Sprintf("found %q", texts)
		}
	case "!~":
		for _, s := range texts {
			if strings.Contains(s, arg) {
				return fmt.Sprintf("found %q", s)
			}
		}
	default:
		return "unknown comparison " + op[0]
	}
	return ""
}

// check runs one check line against an answer; it returns what went wrong
// or "".
func (r *replay) check(a *answer, line string) string {
	f := strings.Fields(r.expand(line))
	fail := func(err error) string { return err.Error() }
	switch {
	case f[0] == "header" && len(f) >= 3:
		v, has := a.resp.Header[http.CanonicalHeaderKey(f[1])]
		var found []*node
		if has {
			found = []*node{{text: strings.Join(v, ", ")}}
		}
		return compare(found, f[2:])
	case f[0] == "body" && len(f) >= 3:
		return compare([]*node{{text: a.body}}, f[1:])
	case f[0] == "xml" && len(f) >= 3:
		root, err := a.xml()
		if err != nil {
			return fail(err)
		}
		found, err := root.find(f[1])
		if err != nil {
			return fail(err)
		}
		return compare(found, f[2:])
	case f[0] == "prop" && len(f) >= 4:
		res, err := a.responseFor(f[1])
		if err != nil {
			return fail(err)
		}
		found, err := res.propValues(f[2])
		if err != nil {
			return fail(err)
		}
		return compare(found, f[3:])
	case f[0] == "members" && len(f) >= 3:
		ms, err := a.members()
		if err != nil {
			return fail(err)
		}
		if f[1] == "count" {
			return compare([]*node{{text: strconv.Itoa(len(ms))}}, f[2:])
		}
		for _, m := range ms {
			if m.status != "" {
				continue // a removed member (sync-collection 404)
			}
			found, err := m.propValues(f[1])
			if err != nil {
				return fail(err)
			}
			if msg := compare(found, f[2:]); msg != "" {
				return m.href + ": " + msg
			}
		}
		return ""
	case f[0] == "status" && len(f) == 3:
		res, err := a.responseFor(f[1])
		if err != nil {
			return fail(err)
		}
		if !strings.Contains(res.status, " "+f[2]+" ") {
			return fmt.Sprintf("response status %q", res.status)
		}
		return ""
	case f[0] == "firststatus" && len(f) >= 3:
		// Thunderbird's CardDAV discovery reads a response's first status
		// element only: a 404 propstat before the 200 one hides the book.
		res, err := a.responseNode(f[1])
		if err != nil {
			return fail(err)
		}
		return compare(firstDescendant(res, xml.Name{Space: "DAV:", Local: "status"}), f[2:])
	case f[0] == "has" && len(f) == 2:
		_, err := a.responseFor(f[1])
		if err != nil {
			return fail(err)
		}
		return ""
	case f[0] == "lacks" && len(f) == 2:
		if f[1] == "." {
			f[1] = a.path // not "the only response"
		}
		if res, err := a.responseFor(f[1]); err == nil {
			return "listed, status " + res.status
		}
		return ""
	case f[0] == "gap":
		r.t.Logf("%s: known gap: %s", r.file, strings.Join(f[1:], " "))
		return ""
	case (f[0] == "save" || f[0] == "save?") && len(f) >= 4:
		v, msg := r.value(a, f[2:])
		if msg != "" && f[0] == "save" {
			return msg
		}
		r.vars[f[1]] = v // save? keeps "" when there is nothing
		return ""
	}
	return "unknown check"
}

// value reads what a save line names: "header NAME", "xml PATH",
// "prop HREF PATH" or "href where PATH ~ TEXT" (the first member whose
// property contains TEXT).
func (r *replay) value(a *answer, f []string) (string, string) {
	first := func(ns []*node, err error) (string, string) {
		if err != nil {
			return "", err.Error()
		}
		if len(ns) == 0 {
			return "", "nothing to save"
		}
		return strings.TrimSpace(ns[0].text), ""
	}
	switch {
	case f[0] == "header" && len(f) == 2:
		v := a.resp.Header.Get(f[1])
		if v == "" {
			return "", "no " + f[1] + " header"
		}
		return v, ""
	case f[0] == "xml" && len(f) == 2:
		root, err := a.xml()
		if err != nil {
			return "", err.Error()
		}
		return first(root.find(f[1]))
	case f[0] == "prop" && len(f) == 3:
		res, err := a.responseFor(f[1])
		if err != nil {
			return "", err.Error()
		}
		return first(res.propValues(f[2]))
	case f[0] == "href" && len(f) >= 5 && f[1] == "where" && f[3] == "~":
		ms, err := a.members()
		if err != nil {
			return "", err.Error()
		}
		want := strings.Join(f[4:], " ")
		for _, m := range ms {
			ns, err := m.propValues(f[2])
			if err != nil {
				return "", err.Error()
			}
			for _, n := range ns {
				if strings.Contains(n.text, want) {
					return m.href, ""
				}
			}
		}
		return "", "no member's " + f[2] + " holds " + want
	}
	return "", "unknown save"
}
