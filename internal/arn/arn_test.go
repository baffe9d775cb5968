package arn

import "testing"

func TestBuildAndParse(t *testing.T) {
	if got := Role("", "123456789012", "/team/", "app"); got != "arn:aws:iam::123456789012:role/team/app" {
		t.Fatal(got)
	}
	if got := User("aws", "123456789012", "", "u"); got != "arn:aws:iam::123456789012:user/u" {
		t.Fatal(got)
	}
	if got := OIDCProvider("", "1", "https://oidc.example.com/id/X/"); got != "arn:aws:iam::1:oidc-provider/oidc.example.com/id/X" {
		t.Fatal(got)
	}
	acct, path, name, err := IAMResource("arn:aws:iam::123456789012:role/team/app", "role")
	if err != nil || acct != "123456789012" || path != "/team/" || name != "app" {
		t.Fatal(acct, path, name, err)
	}
	if _, _, _, err := IAMResource("arn:aws:iam::123456789012:role/", "role"); err == nil {
		t.Fatal("empty name accepted")
	}
	if _, _, _, err := IAMResource("arn:aws:iam::123456789012:user/x", "role"); err == nil {
		t.Fatal("user accepted as role")
	}
	if got := CanonicalRole("arn:aws:sts::1:assumed-role/R/s"); got != "arn:aws:iam::1:role/R" {
		t.Fatal(got)
	}
	if _, err := Parse("arn:aws:iam::1"); err == nil {
		t.Fatal("short ARN parsed")
	}
	a, err := Parse("arn:aws:s3:::bucket/key:with:colons")
	if err != nil || a.Resource != "bucket/key:with:colons" || a.String() != "arn:aws:s3:::bucket/key:with:colons" {
		t.Fatal(a, err)
	}
}
