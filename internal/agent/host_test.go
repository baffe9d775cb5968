package agent

import (
	"strings"
	"testing"
)

func TestHostPolicy(t *testing.T) {
	tests := []struct {
		name  string
		addrs []string
		allow []string
		deny  []string
	}{
		{
			name:  "EKS defaults",
			addrs: DefaultAddrs,
			allow: []string{"169.254.170.23", "169.254.170.23:80", "169.254.170.23:8080", "169.254.170.23:", "[fd00:ec2::23]", "[fd00:ec2::23]:80", "[FD00:EC2:0::23]:80", "[fd00:ec2:0:0:0:0:0:23]"},
			deny: []string{"", "localhost", "127.0.0.1", "169.254.170.2", "169.254.170.23.nip.io", "evil.example.com", "fd00:ec2::23", "[fd00:ec2::23",
				"[fd00:ec2::23]x", "[fd00:ec2::23%lo]", "[::ffff:169.254.170.23]:80x", "169.254.170.23:99999", "169.254.170.23:8a", "169.254.170.23:80:80",
				"[169.254.170.23]", "0251.0376.0252.027", "169.254.170.023"},
		},
		{
			name:  "loopback",
			addrs: []string{"127.0.0.1:2703"},
			allow: []string{"127.0.0.1:2703", "127.0.0.1", "localhost:2703", "LOCALHOST", "localhost.", "127.0.0.2", "[::1]:2703", "[::ffff:127.0.0.1]"},
			deny:  []string{"evil.example.com", "localhost.evil.example.com", "10.0.0.1", "169.254.170.23"},
		},
		{
			name:  "localhost name",
			addrs: []string{"localhost:2703"},
			allow: []string{"localhost", "127.0.0.1:2703", "[::1]"},
			deny:  []string{"example.com"},
		},
		{
			name:  "wildcard",
			addrs: []string{":2703"},
			allow: []string{"10.1.2.3:2703", "[2001:db8::1]", "localhost"},
			deny:  []string{"evil.example.com", "node-1.cluster.local"},
		},
		{
			name:  "unspecified v6",
			addrs: []string{"[::]:80"},
			allow: []string{"10.1.2.3", "[fd00:ec2::23]"},
			deny:  []string{"rebind.example"},
		},
		{
			name:  "named address",
			addrs: []string{"Agent.Node.Local:80"},
			allow: []string{"agent.node.local", "AGENT.node.local:80"},
			deny:  []string{"localhost", "127.0.0.1", "other.node.local"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newHostPolicy(tt.addrs)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tt.allow {
				if !p.allow(h) {
					t.Errorf("Host %q denied", h)
				}
			}
			for _, h := range tt.deny {
				if p.allow(h) {
					t.Errorf("Host %q allowed", h)
				}
			}
		})
	}
}

func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"169.254.170.23", "169.254.170.23:80", "[fd00:ec2::23]:80", "localhost", "LOCALHOST.", "[::ffff:1.2.3.4]", "a:b:c", "[", "]", "[::1]:", "x:99999", "é"} {
		f.Add(s)
	}
	p, _ := newHostPolicy(append([]string{"127.0.0.1:1", "name.example:2"}, DefaultAddrs...))
	f.Fuzz(func(t *testing.T, h string) {
		ip, name, ok := parseHost(h)
		if !ok {
			if p.allow(h) {
				t.Fatalf("unparsable Host %q allowed", h)
			}
			return
		}
		if ip.IsValid() == (name != "") {
			t.Fatalf("parseHost(%q) = %v, %q", h, ip, name)
		}
		if ip.IsValid() && (ip.Zone() != "" || ip.Is4In6()) {
			t.Fatalf("parseHost(%q) = %v: zone or mapped", h, ip)
		}
		if name != "" {
			if name != strings.ToLower(name) || strings.HasSuffix(name, ".") {
				t.Fatalf("name %q not normalized", name)
			}
			// A name parses the same with or without a port.
			if _, n2, ok2 := parseHost(name + ":80"); !ok2 || n2 != name {
				t.Fatalf("name %q with port: %q %v", name, n2, ok2)
			}
		}
		if p.allow(h) && name != "" && name != "localhost" && name != "name.example" {
			t.Fatalf("Host %q allowed", h)
		}
	})
}
