package dav

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("192.0.2.1/32")}}
	for _, c := range []struct {
		name, peer string
		headers    []string
		want       string
	}{
		{"direct client", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"spoofed XFF from an untrusted peer is ignored", "203.0.113.5:4000", []string{"X-Forwarded-For", "198.51.100.1"}, "203.0.113.5"},
		{"spoofed Forwarded from an untrusted peer is ignored", "203.0.113.5:4000", []string{"Forwarded", "for=198.51.100.1"}, "203.0.113.5"},
		{"trusted proxy without headers", "10.0.0.2:4000", nil, "10.0.0.2"},
		{"trusted proxy, one hop", "10.0.0.2:4000", []string{"X-Forwarded-For", "198.51.100.1"}, "198.51.100.1"},
		{"client-forged entries left of the real client", "10.0.0.2:4000", []string{"X-Forwarded-For", "1.2.3.4, 5.6.7.8, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "10.0.0.2:4000", []string{"X-Forwarded-For", "198.51.100.1, 192.0.2.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines", "10.0.0.2:4000", []string{"X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "198.51.100.1, 10.1.1.1"}, "198.51.100.1"},
		{"every hop trusted: the left-most", "10.0.0.2:4000", []string{"X-Forwarded-For", "10.3.3.3, 10.1.1.1"}, "10.3.3.3"},
		{"garbage ends the walk at the last trusted hop", "10.0.0.2:4000", []string{"X-Forwarded-For", "198.51.100.1, nonsense, 10.1.1.1"}, "10.1.1.1"},
		{"XFF entry with a port", "10.0.0.2:4000", []string{"X-Forwarded-For", "198.51.100.1:5555"}, "198.51.100.1"},
		{"IPv6 client", "[fd00::1]:4000", []string{"X-Forwarded-For", "2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:4000", []string{"X-Forwarded-For", "198.51.100.1"}, "198.51.100.1"},
		{"Forwarded", "10.0.0.2:4000", []string{"Forwarded", `for=192.0.2.60;proto=https;by=203.0.113.43`}, "192.0.2.60"},
		{"Forwarded, quoted IPv6 with port", "10.0.0.2:4000", []string{"Forwarded", `for="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
		{"Forwarded, several elements", "10.0.0.2:4000", []string{"Forwarded", `for=1.2.3.4, for=198.51.100.1;proto=https, FOR=10.1.1.1`}, "198.51.100.1"},
		{"Forwarded, quoted separators", "10.0.0.2:4000", []string{"Forwarded", `for=198.51.100.1;x="a,b;c", for=10.1.1.1`}, "198.51.100.1"},
		{"Forwarded, obfuscated client", "10.0.0.2:4000", []string{"Forwarded", `for=_hidden, for=10.1.1.1`}, "10.1.1.1"},
		{"Forwarded, unknown", "10.0.0.2:4000", []string{"Forwarded", `for=unknown`}, "10.0.0.2"},
		{"both headers agree", "10.0.0.2:4000", []string{"X-Forwarded-For", "198.51.100.1", "Forwarded", "for=198.51.100.1"}, "198.51.100.1"},
		{"both headers disagree: the proxy", "10.0.0.2:4000", []string{"X-Forwarded-For", "198.51.100.1", "Forwarded", "for=1.2.3.4"}, "10.0.0.2"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for i := 0; i+1 < len(c.headers); i += 2 {
			r.Header.Add(c.headers[i], c.headers[i+1])
		}
		if got := s.clientAddr(r); got.String() != c.want {
			t.Errorf("%s: client %s, want %s", c.name, got, c.want)
		}
	}
	r, _ := http.NewRequest("GET", "/", nil)
	r.RemoteAddr = "pipe"
	if a := s.clientAddr(r); a.IsValid() || throttleKey(a, r.RemoteAddr) != "peer pipe" {
		t.Errorf("a peer without an address: %v %q", a, throttleKey(a, r.RemoteAddr))
	}
}

func TestThrottleKeyGroupsIPv6By64(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":          "198.51.100.7",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":  "2001:db8:1:2::/64",
		"2001:db8:1:3::1":       "2001:db8:1:3::/64",
		"fe80::1%eth0":          "fe80::/64",
		"::ffff:198.51.100.7":   "198.51.100.7",
		"[2001:db8:1:2::9]:443": "2001:db8:1:2::/64",
	} {
		if got := throttleKey(parseNode(in), in); got != want {
			t.Errorf("throttleKey(%s) = %s, want %s", in, got, want)
		}
	}
}
