package logtest

import (
	"strings"
	"testing"
)

func TestScanPatterns(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string // want: the What of the one finding, "" for none
	}{
		{"clean request line", `{"level":"DEBUG","msg":"request","service":"sts","action":"GetCallerIdentity","status":200,"request_id":"1b4d8c2e-0f3a-4e9b-9a1d-6f2c3e4d5a6b","access_key_id":"AKIAIOSFODNN7EXAMPLE"}`, ""},
		{"token fingerprint", `msg="credential request failed" token_sha256=9f86d081884c7d65`, ""},
		{"string to sign", `string_to_sign="AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/sts/aws4_request\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`, ""},
		{"ARN", `arn:aws:sts::123456789012:assumed-role/eks-ec2-list-instances/botocore-session-1767225600`, ""},
		{"JWT", `token=eyJhbGciOiJSUzI1NiIsImtpZCI6ImEifQ.eyJpc3MiOiJodHRwczovL2kifQ.` + strings.Repeat("Zm9v", 20), "JWT (web identity or service account token)"},
		{"authorization header", `Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=` + strings.Repeat("ab", 32), "SigV4 signature"},
		{"presigned", `X-Amz-Signature=` + strings.Repeat("0f", 32), "SigV4 signature"},
		{"secret in JSON", `{"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, "secret access key"},
		{"secret in env", `AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`, "secret access key"},
		{"session token in form", `X-Amz-Security-Token=` + strings.Repeat("IQoJb3JpZ2luX2Vj", 8), "session token"},
		{"private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", "private key"},
		{"cluster-access token", `token="k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eQ"`, "cluster-access token (k8s-aws-v1)"},
		{"token prefix alone", `the token must start with k8s-aws-v1.`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ScanPatterns("log", tc.text)
			var got []string
			for _, x := range f {
				got = append(got, x.What)
			}
			switch {
			case tc.want == "" && len(f) != 0:
				t.Errorf("false positive: %v", got)
			case tc.want != "" && (len(f) == 0 || f[0].What != tc.want && !contains(got, tc.want)):
				t.Errorf("findings %v, want %q", got, tc.want)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzScanPatterns checks that scanning never panics and that a finding's
// line is within the text.
func FuzzScanPatterns(f *testing.F) {
	f.Add("Signature=" + strings.Repeat("a", 64))
	f.Add("eyJabcdefgh.eyJabcdefgh." + strings.Repeat("x", 40))
	f.Add("\n\nSecretAccessKey: " + strings.Repeat("A", 40))
	f.Fuzz(func(t *testing.T, text string) {
		for _, x := range ScanPatterns("fuzz", text) {
			if x.Line < 1 || x.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("line %d out of range", x.Line)
			}
		}
	})
}
