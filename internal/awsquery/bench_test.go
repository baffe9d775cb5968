package awsquery

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// assumeRoleResult has AssumeRole's result shape: what the hottest STS
// answers encode.
type assumeRoleResult struct {
	Credentials struct {
		AccessKeyId     string //nolint:revive // AWS's element names
		SecretAccessKey string
		SessionToken    string
		Expiration      Time
	}
	AssumedRoleUser struct {
		AssumedRoleId string //nolint:revive
		Arn           string
	}
	PackedPolicySize int
}

// BenchmarkWriteResultXML measures encoding an AssumeRole answer as the
// Query protocol's XML envelope.
func BenchmarkWriteResultXML(b *testing.B) {
	s := &Service{Name: "sts", Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/"}
	var r assumeRoleResult
	r.Credentials.AccessKeyId = "ASIABTXV5AHDTMZMFDFT"
	r.Credentials.SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	r.Credentials.SessionToken = strings.Repeat("A", 600)
	r.Credentials.Expiration = Time(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	r.AssumedRoleUser.AssumedRoleId = "AROABTXV5AHDTMZMFDFTA:bench"
	r.AssumedRoleUser.Arn = "arn:aws:sts::111111111111:assumed-role/bench-role/bench"
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		WriteResult(w, s, "AssumeRole", "c5b2e1f0-0000-4000-8000-000000000000", &r, false)
	}
}
