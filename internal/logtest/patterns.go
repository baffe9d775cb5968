package logtest

import (
	"regexp"
	"sort"
	"strings"
)

// A pattern recognises a kind of secret by its shape, for logs whose
// secrets no test registered (the e2e test bed's processes, a whole test
// run's output).
type pattern struct {
	what string
	re   *regexp.Regexp
}

// patterns are the shapes of the secrets trustbridge handles. Each is
// narrow enough not to match what trustbridge logs on purpose (request
// IDs, ARNs, access key IDs, 16-hex-digit token fingerprints, SigV4
// string-to-sign hashes).
var patterns = []pattern{
	// A compact JWS: a JSON header ("eyJ"), claims, and a signature.
	{"JWT (web identity or service account token)", regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{32,}`)},
	// An EKS cluster-access token: a presigned GetCallerIdentity URL.
	{"cluster-access token (k8s-aws-v1)", regexp.MustCompile(`k8s-aws-v1\.[A-Za-z0-9_-]{40,}`)},
	// A SigV4 signature in an Authorization header or a presigned URL.
	{"SigV4 signature", regexp.MustCompile(`(?i)signature=[0-9a-f]{64}`)},
	// A secret access key next to its name (form, JSON, text, env).
	{"secret access key", regexp.MustCompile(`(?i)secret[_-]?access[_-]?key["'\\]*\s*[=:>]\s*["'\\]*[A-Za-z0-9/+]{40}`)},
	// A session token next to its name, or any base64url run long enough
	// to be one (trustbridge's are several hundred characters).
	{"session token", regexp.MustCompile(`(?i)(session[_-]?token|security[_-]?token)["'\\]*\s*[=:>]\s*["'\\]*[A-Za-z0-9/+_%-]{100,}`)},
	{"long base64 run (a token?)", regexp.MustCompile(`[A-Za-z0-9_-]{300,}`)},
	// PEM private keys.
	{"private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
}

// ScanPatterns returns, for each kind of secret whose shape appears in
// text, one finding (the first line it appears on). It needs no
// registered secrets.
func ScanPatterns(where, text string) []Finding {
	var out []Finding
	for _, p := range patterns {
		if loc := p.re.FindStringIndex(text); loc != nil {
			out = append(out, Finding{Where: where, What: p.what, How: "pattern", Line: 1 + strings.Count(text[:loc[0]], "\n")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].What < out[j].What })
	return out
}
