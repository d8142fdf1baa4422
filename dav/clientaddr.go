package dav

import (
	"net/http"
	"net/netip"
	"strings"
)

// Client addresses behind a reverse proxy. The connection's peer is the
// client unless it is a configured trusted proxy; then the client is the
// right-most address in the proxy's X-Forwarded-For or Forwarded (RFC 7239)
// header that is not itself a trusted proxy: every hop appends the peer it
// saw, so only the entries right of the first untrusted one were written
// by proxies we trust, and everything left of it may be forged by the
// client. From any other peer both headers are ignored.

// clientAddr returns the address of the client that sent r (invalid when
// the connection has no IP peer, such as a test pipe).
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	peer := parseNode(r.RemoteAddr)
	if !peer.IsValid() || !s.trusted(peer) {
		return peer
	}
	xff := r.Header.Values("X-Forwarded-For")
	fwd := r.Header.Values("Forwarded")
	switch {
	case len(xff) > 0 && len(fwd) > 0:
		// Proxies set one of them and pass the other through as the client
		// sent it: unless both name the same client, one is forged, and
		// the request counts as the proxy's own.
		a, b := s.walk(peer, splitXFF(xff)), s.walk(peer, forwardedFor(fwd))
		if a != b {
			return peer
		}
		return a
	case len(xff) > 0:
		return s.walk(peer, splitXFF(xff))
	case len(fwd) > 0:
		return s.walk(peer, forwardedFor(fwd))
	}
	return peer
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// walk follows the hops from the right while the address at hand is a
// trusted proxy. An entry that is not an address ("unknown", an
// obfuscated RFC 7239 §6.3 identifier, garbage) ends the walk at the last
// trusted hop: that proxy is the best that is known.
func (s *Server) walk(peer netip.Addr, hops []string) netip.Addr {
	client := peer
	for i := len(hops) - 1; i >= 0 && s.trusted(client); i-- {
		a := parseNode(hops[i])
		if !a.IsValid() {
			break
		}
		client = a
	}
	return client
}

// parseNode reads "192.0.2.1", "192.0.2.1:4711", "2001:db8::1" or
// "[2001:db8::1]:4711"; IPv4-mapped IPv6 addresses become IPv4 and zones
// are dropped.
func parseNode(s string) netip.Addr {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}

// splitXFF lists the hops of X-Forwarded-For headers, in order.
func splitXFF(values []string) []string {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	return hops
}

// forwardedFor lists the "for" node of each element of Forwarded headers
// (RFC 7239 §4), in order; "" for an element without one.
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			node := ""
			for _, pair := range splitQuoted(elem, ';') {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					node = unquote(val)
				}
			}
			hops = append(hops, node)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside quoted strings. Hand-written: the
// standard library has no RFC 7239 parser, and this is the whole grammar
// the throttle needs.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote reads a token or a quoted-string (RFC 7230 §3.2.6).
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		if v[i] == '\\' && i+1 < len(v)-1 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// throttleKey is the address a client is throttled by: the IPv4 address,
// or the /64 of an IPv6 address (one subscriber's network: every device of
// a home or an attacker's host can take any address in it).
func throttleKey(a netip.Addr, remote string) string {
	switch {
	case !a.IsValid():
		return "peer " + remote
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
