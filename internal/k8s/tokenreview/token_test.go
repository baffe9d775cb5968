package tokenreview

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/world"
)

// Demo-world credentials (internal/world/demo.yaml), well-known test values.
const (
	cluster       = "aws-eks-auth-test"
	userOneKey    = "AKIABZPUZDIKD2OVTLM3"
	userOneSecret = "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"
	userTwoKey    = "AKIABZPUZDIKOZGJLZPB"
	userTwoSecret = "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"
	userThreeKey  = "AKIABZPUZDIKJ64JHT5E"
	userThreeSec  = "MuhBGXefwNDV26JlMpQQpyxsBfMv1xMd3dQvOtHu"
	sessionKey    = "ASIABZPUZDIKSESSION1"
	sessionSecret = "sessionsecretsessionsecretsessionsecret1"
	sessionToken  = "FQoGZXIvYXdzEXAMPLEsessiontoken=="
	ownHost       = "localhost:8443"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testVerifier(creds credMap) *SigV4Verifier {
	return &SigV4Verifier{Credentials: creds, SigV4: sigv4.NewVerifier()}
}

func testCreds() credMap {
	return credMap{
		userOneKey:   {secret: userOneSecret, account: "123456789012", arn: "arn:aws:iam::123456789012:user/UserOne", userID: "AIDABZPUZDIKUSERONE1"},
		userTwoKey:   {secret: userTwoSecret, account: "123456789012", arn: "arn:aws:iam::123456789012:user/UserTwo", userID: "AIDABZPUZDIKUSERTWO1"},
		userThreeKey: {secret: userThreeSec, account: "123456789012", arn: "arn:aws:iam::123456789012:user/UserThree", userID: "AIDABZPUZDIKUSERTHR1"},
		sessionKey: {secret: sessionSecret, sessionToken: sessionToken, account: "123456789012",
			arn:          "arn:aws:sts::123456789012:assumed-role/app/alice@example.com",
			userID:       "AROABZPUZDIKAPPROLE1:alice@example.com",
			principalARN: "arn:aws:iam::123456789012:role/team/app"},
	}
}

// demoMapper maps with the demo world's cluster, plus a mapRoles entry for
// the role with a path.
func demoMapper(t testing.TB) *awsauth.Mapper {
	t.Helper()
	f, err := world.Parse("demo", world.Demo(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Clusters[0]
	c.AWSAuth.MapRoles += `- rolearn: arn:aws:iam::123456789012:role/team/app
  username: "app:{{SessionName}}"
  groups: [app-users]
`
	ca, cm, err := awsauth.FromWorld(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(cm.Problems) > 0 || len(ca.AccessEntries.Problems) > 0 {
		t.Fatalf("demo world problems: %v %v", cm.Problems, ca.AccessEntries.Problems)
	}
	return &awsauth.Mapper{Clusters: awsauth.StaticClusters{c.Name: ca}, ConfigMaps: awsauth.StaticConfigMaps{c.Name: cm}}
}

func testAuthenticator(t testing.TB, decisions *[]Decision) *Authenticator {
	return &Authenticator{
		Verifier:     testVerifier(testCreds()),
		Mapper:       demoMapper(t),
		AllowedHosts: AllowedHosts(ownHost),
		Now:          func() time.Time { return testNow },
		OnDecision: func(d Decision) {
			if decisions != nil {
				*decisions = append(*decisions, d)
			}
		},
	}
}

func userOneOpts() presignOpts {
	return presignOpts{akid: userOneKey, secret: userOneSecret, host: "sts.us-west-2.amazonaws.com", region: "us-west-2", cluster: cluster, date: testNow.Add(-time.Minute)}
}

func TestAuthenticateValid(t *testing.T) {
	tests := []struct {
		name         string
		opts         presignOpts
		wantUser     string
		wantGroups   []string
		wantUID      string
		wantSession  string
		wantSource   string
		wantCanon    string
		wantPrincARN string
	}{
		{name: "UserOne regional", opts: userOneOpts(), wantUser: "UserOne", wantGroups: []string{"system:masters"}, wantUID: "aws-iam-authenticator:123456789012:AIDABZPUZDIKUSERONE1", wantSource: "mapUsers", wantCanon: "arn:aws:iam::123456789012:user/UserOne"},
		{name: "UserTwo global endpoint", opts: presignOpts{akid: userTwoKey, secret: userTwoSecret, host: "sts.amazonaws.com", region: "us-east-1", cluster: cluster, date: testNow.Add(-14 * time.Minute)}, wantUser: "UserTwo", wantGroups: []string{"eks-default"}, wantUID: "aws-iam-authenticator:123456789012:AIDABZPUZDIKUSERTWO1", wantSource: "mapUsers", wantCanon: "arn:aws:iam::123456789012:user/UserTwo"},
		{name: "UserThree access entry on own host", opts: presignOpts{akid: userThreeKey, secret: userThreeSec, host: ownHost, region: "us-west-2", cluster: cluster, date: testNow.Add(-time.Second), expires: "0"}, wantUser: "UserThree", wantUID: "aws-iam-authenticator:123456789012:AIDABZPUZDIKUSERTHR1", wantSource: "accessEntry", wantCanon: "arn:aws:iam::123456789012:user/UserThree"},
		{name: "role with path, session token", opts: presignOpts{akid: sessionKey, secret: sessionSecret, sessionToken: sessionToken, host: "sts.us-west-2.amazonaws.com", region: "us-west-2", cluster: cluster, date: testNow.Add(5 * time.Minute), expires: "900"}, wantUser: "app:alice-example.com", wantGroups: []string{"app-users"}, wantUID: "aws-iam-authenticator:123456789012:AROABZPUZDIKAPPROLE1", wantSession: "alice@example.com", wantSource: "mapRoles", wantCanon: "arn:aws:iam::123456789012:role/app", wantPrincARN: "arn:aws:iam::123456789012:role/team/app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ds []Decision
			a := testAuthenticator(t, &ds)
			u, err := a.Authenticate(context.Background(), cluster, tokenFromURL(presignURL(tt.opts)))
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if u.Username != tt.wantUser || strings.Join(u.Groups, ",") != strings.Join(tt.wantGroups, ",") || u.UID != tt.wantUID {
				t.Errorf("user = %+v", u)
			}
			x := u.Extra
			if x["sessionName"][0] != tt.wantSession || x["canonicalArn"][0] != tt.wantCanon || x["accessKeyId"][0] != tt.opts.akid ||
				x["principalId"][0] != strings.TrimPrefix(tt.wantUID, "aws-iam-authenticator:123456789012:") || x["arn"][0] == "" {
				t.Errorf("extra = %v", x)
			}
			if got := x[awsauth.ExtraPrincipalARN]; (tt.wantPrincARN == "") != (got == nil) || (got != nil && got[0] != tt.wantPrincARN) {
				t.Errorf("principal-arn extra = %v", got)
			}
			if len(ds) != 1 || !ds[0].Authenticated || ds[0].Source != tt.wantSource {
				t.Errorf("decisions = %+v", ds)
			}
		})
	}
}

// mutate decodes a token's URL, edits it as a string and re-encodes it.
func mutate(tok string, f func(string) string) string {
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, Prefix))
	return tokenFromURL(f(string(raw)))
}

func TestAuthenticateRejects(t *testing.T) {
	good := tokenFromURL(presignURL(userOneOpts()))
	withOpts := func(f func(*presignOpts)) string {
		o := userOneOpts()
		f(&o)
		return tokenFromURL(presignURL(o))
	}
	tests := []struct {
		name   string
		token  string
		reason Reason
		msg    string
	}{
		{"empty", "", ReasonPrefix, "prefix"},
		{"too long", good + strings.Repeat("A", MaxTokenLength), ReasonTooLong, "longer than 4096"},
		{"wrong prefix", "k8s-aws-v2." + strings.TrimPrefix(good, Prefix), ReasonPrefix, ""},
		{"padding", good + strings.Repeat("=", (4-len(strings.TrimPrefix(good, Prefix))%4)%4+4), ReasonBase64, ""},
		{"std base64 alphabet", Prefix + base64.RawStdEncoding.EncodeToString([]byte(presignURL(userOneOpts())+"??>>")), ReasonBase64, ""},
		{"newline in base64", good[:20] + "\n" + good[20:], ReasonBase64, ""},
		{"not a URL", tokenFromURL("https://[::1"), ReasonURL, ""},
		{"http scheme", mutate(good, func(s string) string { return "http" + strings.TrimPrefix(s, "https") }), ReasonScheme, `"http"`},
		{"wrong host", mutate(good, func(s string) string {
			return strings.Replace(s, "sts.us-west-2.amazonaws.com", "sts.evil.example.com", 1)
		}), ReasonHost, "sts.evil.example.com"},
		{"host lookalike", mutate(good, func(s string) string { return strings.Replace(s, "amazonaws.com", "amazonaws.com.evil.io", 1) }), ReasonHost, ""},
		{"user info", mutate(good, func(s string) string { return strings.Replace(s, "https://", "https://me@", 1) }), ReasonURL, ""},
		{"fragment", mutate(good, func(s string) string { return s + "#x" }), ReasonURL, ""},
		{"path", mutate(good, func(s string) string { return strings.Replace(s, ".com/?", ".com/x?", 1) }), ReasonPath, ""},
		{"empty path", mutate(good, func(s string) string { return strings.Replace(s, ".com/?", ".com?", 1) }), ReasonPath, ""},
		{"duplicate parameter", mutate(good, func(s string) string { return s + "&Action=GetCallerIdentity" }), ReasonQuery, "more than once"},
		{"duplicate parameter other case", mutate(good, func(s string) string { return s + "&action=GetCallerIdentity" }), ReasonQuery, "more than once"},
		{"duplicate date", mutate(good, func(s string) string { return s + "&x-amz-date=20261122T120000Z" }), ReasonQuery, "more than once"},
		{"unicode fold of a parameter name", mutate(good, func(s string) string { return s + "&x-amz-%C5%BFecurity-to%E2%84%AAen=x" }), ReasonQuery, "not allowed"},
		{"unknown parameter", mutate(good, func(s string) string { return s + "&RoleArn=x" }), ReasonQuery, `"RoleArn"`},
		{"semicolon separator", mutate(good, func(s string) string { return strings.Replace(s, "&Version", ";Version", 1) }), ReasonQuery, ""},
		{"empty pair", mutate(good, func(s string) string { return s + "&" }), ReasonQuery, ""},
		{"bad escape", mutate(good, func(s string) string { return strings.Replace(s, "Version=", "Version=%zz", 1) }), ReasonQuery, ""},
		{"other action", mutate(good, func(s string) string { return strings.Replace(s, "GetCallerIdentity", "AssumeRole", 1) }), ReasonAction, ""},
		{"no action", mutate(good, func(s string) string { return strings.Replace(s, "Action=GetCallerIdentity&", "", 1) }), ReasonAction, ""},
		{"other version", mutate(good, func(s string) string { return strings.Replace(s, "2011-06-15", "2011-06-16", 1) }), ReasonAction, ""},
		{"algorithm", mutate(good, func(s string) string { return strings.Replace(s, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1) }), ReasonAlgorithm, ""},
		{"cluster header not signed", mutate(good, func(s string) string { return strings.Replace(s, "host%3Bx-k8s-aws-id", "host", 1) }), ReasonSignedHeaders, "x-k8s-aws-id"},
		{"extra signed header", mutate(good, func(s string) string {
			return strings.Replace(s, "host%3Bx-k8s-aws-id", "accept%3Bhost%3Bx-k8s-aws-id", 1)
		}), ReasonSignedHeaders, ""},
		{"unsorted signed headers", mutate(good, func(s string) string { return strings.Replace(s, "host%3Bx-k8s-aws-id", "x-k8s-aws-id%3Bhost", 1) }), ReasonSignedHeaders, ""},
		{"expires too large", withOpts(func(o *presignOpts) { o.expires = "901" }), ReasonExpires, "0 to 900"},
		{"expires negative", withOpts(func(o *presignOpts) { o.expires = "-1" }), ReasonExpires, ""},
		{"expires plus sign", withOpts(func(o *presignOpts) { o.expires = "+60" }), ReasonExpires, ""},
		{"no date", mutate(good, func(s string) string {
			i := strings.Index(s, "&X-Amz-Date=")
			return s[:i] + s[i+len("&X-Amz-Date=20261122T115900Z"):]
		}), ReasonDate, "present"},
		{"malformed date", mutate(good, func(s string) string { return strings.Replace(s, "20261122T115900Z", "2026-11-22T11:59:00Z", 1) }), ReasonDate, ""},
		{"expired", withOpts(func(o *presignOpts) { o.date = testNow.Add(-15*time.Minute - time.Second) }), ReasonExpired, "expired"},
		{"future", withOpts(func(o *presignOpts) { o.date = testNow.Add(16 * time.Minute) }), ReasonNotYetValid, ""},
		{"credential region mismatch", withOpts(func(o *presignOpts) { o.region = "eu-west-1" }), ReasonCredential, "does not match host"},
		{"global endpoint wrong region", withOpts(func(o *presignOpts) { o.host = "sts.amazonaws.com" }), ReasonCredential, "us-east-1"},
		{"credential date mismatch", mutate(good, func(s string) string { return strings.Replace(s, "%2F20261122%2F", "%2F20261121%2F", 1) }), ReasonCredential, "date"},
		{"credential service", mutate(good, func(s string) string { return strings.Replace(s, "%2Fsts%2F", "%2Fiam%2F", 1) }), ReasonCredential, "service"},
		{"credential short", mutate(good, func(s string) string { return strings.Replace(s, "%2Faws4_request", "", 1) }), ReasonCredential, ""},
		{"empty security token", mutate(good, func(s string) string { return s + "&X-Amz-Security-Token=" }), ReasonCredential, ""},
		{"signature malformed", mutate(good, func(s string) string { return s[:len(s)-1] + "G" }), ReasonSignature, "64 lowercase"},
		{"signature upper case", mutate(good, func(s string) string { i := strings.LastIndex(s, "=") + 1; return s[:i] + strings.ToUpper(s[i:]) }), ReasonSignature, ""},
		// Well-formed but not what was signed: only the signature check catches these.
		{"other cluster", withOpts(func(o *presignOpts) { o.cluster = "other-cluster" }), ReasonSignature, ""},
		{"modified query replayed", mutate(good, func(s string) string { return strings.Replace(s, "X-Amz-Expires=60", "X-Amz-Expires=900", 1) }), ReasonSignature, ""},
		{"modified host replayed", mutate(good, func(s string) string {
			return strings.Replace(s, "sts.us-west-2.amazonaws.com", "STS.us-west-2.amazonaws.com:443", 1)
		}), ReasonHost, ""},
		{"wrong secret", withOpts(func(o *presignOpts) { o.secret = "x" }), ReasonSignature, ""},
		{"unknown key", withOpts(func(o *presignOpts) { o.akid = "AKIAUNKNOWNUNKNOWN00" }), ReasonCredential, "InvalidClientTokenId"},
		{"session token missing", withOpts(func(o *presignOpts) { o.akid, o.secret = sessionKey, sessionSecret }), ReasonCredential, "security token"},
		{"session token wrong", withOpts(func(o *presignOpts) { o.akid, o.secret, o.sessionToken = sessionKey, sessionSecret, "forged" }), ReasonCredential, "security token"},
		{"date shifted after signing", mutate(good, func(s string) string {
			return strings.Replace(s, "X-Amz-Date=20261122T115900Z", "X-Amz-Date=20261122T115901Z", 1)
		}), ReasonSignature, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ds []Decision
			a := testAuthenticator(t, &ds)
			u, err := a.Authenticate(context.Background(), cluster, tt.token)
			if err == nil {
				t.Fatalf("accepted: %+v", u)
			}
			var te *TokenError
			if !errors.As(err, &te) || te.Reason != tt.reason {
				t.Fatalf("err = %v, want reason %s", err, tt.reason)
			}
			if !strings.Contains(te.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", te.Message, tt.msg)
			}
			assertNoSecrets(t, te.Message, tt.token)
			if len(ds) != 1 || ds[0].Authenticated || ds[0].Reason != tt.reason {
				t.Errorf("decisions = %+v", ds)
			}
		})
	}
}

// assertNoSecrets fails if msg contains the token, its signature or a
// known secret.
func assertNoSecrets(t *testing.T, msg, token string) {
	t.Helper()
	if token != "" && len(token) > 16 && strings.Contains(msg, token[len(Prefix):len(Prefix)+16]) {
		t.Errorf("message contains the token: %q", msg)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, Prefix))
	if i := strings.Index(string(raw), "X-Amz-Signature="); i >= 0 {
		sig := string(raw)[i+len("X-Amz-Signature="):]
		if len(sig) >= 16 && strings.Contains(msg, sig[:16]) {
			t.Errorf("message contains the signature: %q", msg)
		}
	}
	for _, s := range []string{userOneSecret, sessionSecret, sessionToken} {
		if strings.Contains(msg, s) {
			t.Errorf("message contains a secret: %q", msg)
		}
	}
}

func TestAuthenticateUnmapped(t *testing.T) {
	creds := testCreds()
	creds["AKIABZPUZDIKNOBODY01"] = testCred{secret: "s", account: "123456789012", arn: "arn:aws:iam::123456789012:user/Nobody", userID: "AIDANOBODY0000000001"}
	var ds []Decision
	a := testAuthenticator(t, &ds)
	a.Verifier = testVerifier(creds)
	o := userOneOpts()
	o.akid, o.secret = "AKIABZPUZDIKNOBODY01", "s"
	_, err := a.Authenticate(context.Background(), cluster, tokenFromURL(presignURL(o)))
	var te *TokenError
	if !errors.As(err, &te) || te.Reason != ReasonNotMapped {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"arn:aws:iam::123456789012:user/Nobody", cluster, "API_AND_CONFIG_MAP", "access entries (1)", "mapUsers (2)"} {
		if !strings.Contains(te.Message, want) {
			t.Errorf("message %q lacks %q", te.Message, want)
		}
	}
	if ds[0].ARN != "arn:aws:iam::123456789012:user/Nobody" || ds[0].AccessKeyID != "AKIABZPUZDIKNOBODY01" {
		t.Errorf("decision = %+v", ds[0])
	}

	_, err = a.Authenticate(context.Background(), "no-such-cluster", tokenFromURL(presignURL(o)))
	if !errors.As(err, &te) || te.Reason != ReasonSignature {
		t.Fatalf("token for another cluster: err = %v", err)
	}
	o.cluster = "no-such-cluster"
	_, err = a.Authenticate(context.Background(), "no-such-cluster", tokenFromURL(presignURL(o)))
	if !errors.As(err, &te) || te.Reason != ReasonUnknownCluster {
		t.Fatalf("unknown cluster: err = %v", err)
	}
}

func TestAllowedHosts(t *testing.T) {
	allow := AllowedHosts("LocalHost:8443", "trustbridge.internal")
	for host, want := range map[string]bool{
		"sts.amazonaws.com":                true,
		"sts.us-west-2.amazonaws.com":      true,
		"sts-fips.us-east-1.amazonaws.com": true,
		"sts.cn-north-1.amazonaws.com.cn":  true,
		"sts.us-gov-west-1.amazonaws.com":  true,
		"sts.eu-central-1.api.aws":         true,
		"localhost:8443":                   true,
		"trustbridge.internal":             true,
		"localhost":                        false,
		"sts.amazonaws.com:443":            false,
		"sts.us-west.amazonaws.com":        false,
		"sts.us-west-2.amazonaws.com.evil": false,
		"sts.us-west-2.evil.com":           false,
		"iam.amazonaws.com":                false,
		"sts..amazonaws.com":               false,
		"xsts.us-west-2.amazonaws.com":     false,
	} {
		if got := allow(host); got != want {
			t.Errorf("allow(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestDecisionCarriesDetail(t *testing.T) {
	var ds []Decision
	o := userOneOpts()
	o.cluster = "other-cluster"
	_, err := testAuthenticator(t, &ds).Authenticate(context.Background(), cluster, tokenFromURL(presignURL(o)))
	if err == nil || strings.Contains(err.Error(), "canonical request") {
		t.Fatalf("err = %v", err)
	}
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "canonical request SHA-256") || ds[0].AccessKeyID != userOneKey {
		t.Errorf("decision = %+v", ds)
	}
}
