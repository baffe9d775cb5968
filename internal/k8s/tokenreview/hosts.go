package tokenreview

import "strings"

// AllowedHosts returns a host check for ParseToken that accepts the STS
// endpoints real clients sign tokens for — sts.amazonaws.com (global,
// us-east-1), sts.REGION.amazonaws.com, sts-fips.REGION.amazonaws.com,
// sts.REGION.amazonaws.com.cn and sts.REGION.api.aws — plus trustbridge's
// own endpoints given in own (host or host:port, compared
// case-insensitively). The token is verified locally either way; the host
// only has to be one the client could legitimately have signed for.
func AllowedHosts(own ...string) func(host string) bool {
	set := make(map[string]bool, len(own))
	for _, h := range own {
		set[strings.ToLower(h)] = true
	}
	return func(host string) bool {
		if set[host] {
			return true
		}
		_, ok := awsHostRegion(host)
		return ok
	}
}

// awsHostRegion returns the signing region of an AWS STS endpoint host
// (lower case, no port), and whether host is one.
func awsHostRegion(host string) (string, bool) {
	if host == "sts.amazonaws.com" {
		return "us-east-1", true
	}
	var rest string
	switch {
	case strings.HasPrefix(host, "sts."):
		rest = host[len("sts."):]
	case strings.HasPrefix(host, "sts-fips."):
		rest = host[len("sts-fips."):]
	default:
		return "", false
	}
	region, domain, ok := strings.Cut(rest, ".")
	if !ok || !validRegion(region) {
		return "", false
	}
	switch domain {
	case "amazonaws.com", "amazonaws.com.cn", "api.aws":
		return region, true
	}
	return "", false
}

// validRegion accepts region names like us-east-1, eu-central-2,
// us-gov-west-1, cn-north-1.
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			last := i == len(parts)-1
			if last && (c < '0' || c > '9') {
				return false
			}
			if !last && (c < 'a' || c > 'z') {
				return false
			}
		}
	}
	return true
}
