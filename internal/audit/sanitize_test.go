package audit

import (
	"reflect"
	"testing"
)

func TestSanitize(t *testing.T) {
	got := Sanitize(map[string][]string{
		"Action": {"AssumeRoleWithWebIdentity"}, "version": {"2011-06-15"},
		"X-Amz-Signature": {"sig"}, "x-amz-credential": {"cred"},
		"WebIdentityToken": {"eyJ.x.y"}, "webidentitytoken": {"eyJ.x.y"}, "SecretAccessKey": {"s"},
		"EncodedMessage": {"m"}, "TokenCode": {"123456"}, "Password": {"p"}, "SAMLAssertion": {"a"},
		"SessionToken": {"t"}, "Token": {"t"},
		"RoleArn": {"arn:aws:iam::111111111111:role/r"}, "PolicyArns.member.1.arn": {"a1"},
		"Tags": {"a", "b"}, "Xamz": {"kept"},
	})
	want := map[string]any{
		"WebIdentityToken": Hidden, "webidentitytoken": Hidden, "SecretAccessKey": Hidden,
		"EncodedMessage": Hidden, "TokenCode": Hidden, "Password": Hidden, "SAMLAssertion": Hidden,
		"SessionToken": Hidden, "Token": Hidden,
		"RoleArn": "arn:aws:iam::111111111111:role/r", "PolicyArns.member.1.arn": "a1",
		"Tags": []string{"a", "b"}, "Xamz": "kept",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Sanitize:\n got %v\nwant %v", got, want)
	}
}
