package agent

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// A hostPolicy decides which Host headers the agent answers.
//
// Why: a web page a pod's user opens could make the browser send requests
// to a DNS name the attacker later re-points at 169.254.170.23 (DNS
// rebinding); the browser then sends the attacker's name in Host. Accepting
// only the agent's own addresses (and, for loopback, "localhost") defeats
// that. The port is not compared: it adds nothing against rebinding, and
// pods reach the agent on port 80 while it may listen elsewhere behind a
// redirect.
type hostPolicy struct {
	ips   map[netip.Addr]bool // the agent's IP addresses, unmapped
	names map[string]bool     // host names given in Addrs, lowercase
	// loopback is set when the agent serves a loopback address:
	// "localhost" and every loopback IP are accepted.
	loopback bool
	// anyIP is set when the agent serves a wildcard address (":80",
	// "0.0.0.0:80", "[::]:80"): every IP literal is accepted, since the
	// agent cannot know all of the host's addresses, but names other than
	// "localhost" still are not.
	anyIP bool
}

// newHostPolicy builds the policy for the listen addresses addrs
// ("host:port", IPv6 hosts in brackets).
func newHostPolicy(addrs []string) (*hostPolicy, error) {
	p := &hostPolicy{ips: map[netip.Addr]bool{}, names: map[string]bool{}}
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", a, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("address %q: port must be a number from 0 to 65535", a)
		}
		if host == "" {
			p.anyIP, p.loopback = true, true
			continue
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			if ip.Zone() != "" {
				return nil, fmt.Errorf("address %q: IPv6 zones are not supported", a)
			}
			ip = ip.Unmap()
			switch {
			case ip.IsUnspecified():
				p.anyIP, p.loopback = true, true
			case ip.IsLoopback():
				p.loopback = true
			}
			p.ips[ip] = true
			continue
		}
		name, ok := normalizeName(host)
		if !ok {
			return nil, fmt.Errorf("address %q: %q is not an IP address or host name", a, host)
		}
		if name == "localhost" {
			p.loopback = true
		}
		p.names[name] = true
	}
	return p, nil
}

// allow reports whether the Host header value h names this agent.
func (p *hostPolicy) allow(h string) bool {
	ip, name, ok := parseHost(h)
	if !ok {
		return false
	}
	if ip.IsValid() {
		return p.ips[ip] || p.anyIP || (p.loopback && ip.IsLoopback())
	}
	return p.names[name] || (p.loopback && name == "localhost")
}

// parseHost splits a Host header value ("host", "host:port", "[v6]",
// "[v6]:port") and returns either the IP (unmapped, no zone) or the
// lowercase host name without one trailing dot. IPv6 must be bracketed;
// a port, when present, must be decimal and at most 65535.
func parseHost(h string) (ip netip.Addr, name string, ok bool) {
	var host, port string
	hasPort := false
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return netip.Addr{}, "", false
		}
		inner, rest := h[1:end], h[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return netip.Addr{}, "", false
			}
			port, hasPort = rest[1:], true
		}
		a, err := netip.ParseAddr(inner)
		if err != nil || !a.Is6() || a.Zone() != "" || (hasPort && !validPort(port)) {
			return netip.Addr{}, "", false
		}
		return a.Unmap(), "", true
	}
	host = h
	if i := strings.IndexByte(h, ':'); i >= 0 {
		host, port, hasPort = h[:i], h[i+1:], true
	}
	if host == "" || (hasPort && !validPort(port)) {
		return netip.Addr{}, "", false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Is4() {
			return netip.Addr{}, "", false
		}
		return a, "", true
	}
	n, ok := normalizeName(host)
	if !ok {
		return netip.Addr{}, "", false
	}
	return netip.Addr{}, n, true
}

// validPort accepts "" (RFC 3986 allows an empty port) or 1-5 digits up
// to 65535.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// normalizeName lowercases a DNS name, drops one trailing dot, and checks
// it uses only letters, digits, '-', '_' and '.' within 253 bytes, with no
// empty label.
func normalizeName(s string) (string, bool) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", false
		}
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return "", false // an IP with a trailing dot is not a name
	}
	return strings.ToLower(s), true
}
