package agent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseAssumeRoleResponse(t *testing.T) {
	full := `{"subject":{"namespace":"ns","serviceAccount":"sa"},"audience":"pods.eks.amazonaws.com",
	"podIdentityAssociation":{"associationArn":"arn:aws:eks:us-west-2:111122223333:podidentityassociation/c/a-1","associationId":"a-1"},
	"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/r/eks-c-p-u","assumeRoleId":"AROA:eks"},
	"credentials":{"sessionToken":"T","secretAccessKey":"S","accessKeyId":"A","expiration":EXP}}`
	tests := []struct {
		name    string
		exp     string
		want    time.Time
		wantErr string
	}{
		{"epoch seconds", `1772370000`, time.Unix(1772370000, 0).UTC(), ""},
		{"epoch fraction", `1772370000.75`, time.Unix(1772370000, 0).UTC(), ""},
		{"epoch exponent", `1.77237E9`, time.Unix(1772370000, 0).UTC(), ""},
		{"RFC 3339", `"2026-03-01T13:00:00Z"`, time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC), ""},
		{"RFC 3339 offset", `"2026-03-01T14:00:00.5+01:00"`, time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC), ""},
		{"epoch string", `"1772370000"`, time.Unix(1772370000, 0).UTC(), ""},
		{"null", `null`, time.Time{}, "credentials.expiration: missing"},
		{"zero", `0`, time.Time{}, "not a timestamp"},
		{"negative", `-5`, time.Time{}, "not a timestamp"},
		{"huge", `1e300`, time.Time{}, "not a timestamp"},
		{"garbage string", `"soon"`, time.Time{}, "not a timestamp"},
		{"object", `{}`, time.Time{}, "not a timestamp"},
		{"array", `[1]`, time.Time{}, "not a timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseAssumeRoleResponse([]byte(strings.Replace(full, "EXP", tt.exp, 1)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.Expiration.Equal(tt.want) || c.AccountID != "111122223333" || c.Namespace != "ns" || c.ServiceAccount != "sa" || c.AssociationID != "a-1" || c.AccessKeyID != "A" {
				t.Errorf("%+v", c)
			}
		})
	}
}

func TestParseUpstreamError(t *testing.T) {
	tests := []struct {
		name      string
		header    string
		body      string
		wantCode  string
		wantMsg   string
		wantNoErr bool
	}{
		{"header with detail", "InvalidTokenException:http://internal.amazon.com/coral/", `{"message":"bad"}`, "InvalidTokenException", "bad", false},
		{"header with namespace", "aws.eksauth#ExpiredTokenException", `{"Message":"old"}`, "ExpiredTokenException", "old", false},
		{"__type in body", "", `{"__type":"com.amazon#ThrottlingException","message":"m"}`, "ThrottlingException", "m", false},
		{"code in body", "", `{"code":"AccessDeniedException","message":"m"}`, "AccessDeniedException", "m", false},
		{"Code in body", "", `{"Code":"ResourceNotFoundException"}`, "ResourceNotFoundException", "", false},
		{"header wins", "InternalServerException", `{"__type":"Other"}`, "InternalServerException", "", false},
		{"no code", "", `<html>`, "", "", true},
		{"junk code", "bad code!", `{}`, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ue := parseUpstreamError(400, tt.header, []byte(tt.body), "tok.en.x")
			if tt.wantNoErr {
				if ue != nil {
					t.Fatalf("got %+v", ue)
				}
				return
			}
			if ue == nil || ue.code != tt.wantCode || ue.message != tt.wantMsg {
				t.Fatalf("got %+v", ue)
			}
		})
	}
}

func FuzzParseAssumeRoleResponse(f *testing.F) {
	f.Add([]byte(`{"credentials":{"sessionToken":"T","secretAccessKey":"S","accessKeyId":"A","expiration":1772370000},"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/r/s"}}`))
	f.Add([]byte(`{"credentials":{"sessionToken":"T","secretAccessKey":"S","accessKeyId":"A","expiration":"2026-03-01T13:00:00Z"}}`))
	f.Add([]byte(`{"credentials":{"sessionToken":"T","secretAccessKey":"S","accessKeyId":"A","expiration":"1e9"}}`))
	f.Add([]byte(`{"credentials":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	a, err := New(Config{Cluster: "c", Endpoint: "http://x", Credentials: nodeCredsProvider()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseAssumeRoleResponse(body)
		if err != nil {
			if c != (Credentials{}) {
				t.Fatal("partial credentials with an error")
			}
			return
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
			t.Fatal("empty credential accepted")
		}
		if c.Expiration.Unix() < 1 || c.Expiration.Year() > 9999 || c.Expiration.Location() != time.UTC {
			t.Fatalf("expiration %v", c.Expiration)
		}
		if c.AccountID != "" && len(c.AccountID) != 12 {
			t.Fatalf("account %q", c.AccountID)
		}
		// What the agent would serve decodes back to the same values.
		e, err := a.newEntry(cacheKey{}, c, c.Expiration.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var out credentialsResponse
		if err := json.Unmarshal(e.body, &out); err != nil {
			t.Fatal(err)
		}
		exp, err := time.Parse(time.RFC3339, out.Expiration)
		if err != nil || !exp.Equal(c.Expiration) {
			t.Fatalf("expiration %q: %v", out.Expiration, err)
		}
		if utf8.ValidString(c.AccessKeyID) && out.AccessKeyID != c.AccessKeyID {
			t.Fatalf("access key %q -> %q", c.AccessKeyID, out.AccessKeyID)
		}
	})
}

func FuzzParseUpstreamError(f *testing.F) {
	f.Add(400, "InvalidTokenException:http://x", []byte(`{"message":"m"}`), "a.b.c")
	f.Add(500, "", []byte(`{"__type":"ns#InternalServerException","Message":"boom a.b.c"}`), "a.b.c")
	f.Add(404, "", []byte(`not json`), "")
	f.Add(429, "#:", []byte(`{"code":"x.y"}`), "x")
	f.Fuzz(func(t *testing.T, status int, header string, body []byte, token string) {
		ue := parseUpstreamError(status, header, body, token)
		if ue == nil {
			return
		}
		if ue.code == "" || strings.ContainsAny(ue.code, ":# \n") {
			t.Fatalf("code %q", ue.code)
		}
		if len(ue.message) > maxMessageBytes+3 || !utf8.ValidString(ue.message) || strings.ContainsAny(ue.message, "\r\n") {
			t.Fatalf("message %q", ue.message)
		}
		if len(token) >= 8 && strings.Contains(ue.message, token) {
			t.Fatalf("message %q repeats the token", ue.message)
		}
		ae := ue.agentError()
		if ae.Status < 400 || ae.Status > 599 || strings.ContainsAny(ae.Message, "\r\n") {
			t.Fatalf("agent error %+v", ae)
		}
	})
}

func FuzzCheckToken(f *testing.F) {
	for _, s := range []string{"a.b.c", "Bearer a.b.c", "a..c", "eyJ.eyJ.sig=", "a.b.c.d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if checkToken(tok) != nil {
			return
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 || len(tok) > maxTokenBytes {
			t.Fatalf("accepted %q", tok)
		}
		for _, p := range parts {
			if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=") != "" {
				t.Fatalf("accepted %q", tok)
			}
		}
	})
}
