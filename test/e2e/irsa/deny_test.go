package irsa

import (
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// A denial is one of the IRSA mistakes users hit most, and what the
// caller, the --explain-errors text, the audit event and `trustbridge
// explain` must say about it.
type denial struct {
	name string
	// role is the role ARN presented with the token.
	role string
	// token returns the web identity token.
	token func(t *testing.T) string
	// wantCode and wantMessage are AWS's error code and message.
	wantCode, wantMessage string
	// wantIssuerInMessage: the message ends with the token's iss.
	wantIssuerInMessage bool
	// wantReason are substrings of trustbridge's explanation, which must
	// appear in the --explain-errors text and the audit event's summary.
	wantReason []string
	// wantExplain are substrings of `trustbridge explain`'s output; if nil,
	// wantReason.
	wantExplain []string
}

// TestDenials presents the tokens behind the usual IRSA failures to
// AssumeRoleWithWebIdentity with the AWS CLI and checks AWS's error code
// and message, then that trustbridge names the real reason plainly: in the
// --explain-errors suffix of the message, in the audit event, and in
// `trustbridge explain REQUEST_ID` run by account one's root.
func TestDenials(t *testing.T) {
	c := mainCluster(t)
	tb := sharedServer(t)
	seed003 := roleARN(accountOne, seed003Role)
	provider := providerARN(accountOne, c.IssuerURL)
	genuine := func(t *testing.T) string { return createToken(t, c.Cluster, "default", "eks-ec2-list", stsAudience, 0) }

	tests := []denial{{
		name: "service account in another namespace",
		role: seed003,
		token: func(t *testing.T) string {
			return createToken(t, c.Cluster, "other-team", "eks-ec2-list", stsAudience, 0)
		},
		wantCode:    "AccessDenied",
		wantMessage: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
		wantReason: []string{
			"other-team/eks-ec2-list",                    // the token's namespace/service account
			"system:serviceaccount:default:eks-ec2-list", // the policy's
		},
		// The decision trace shows the :sub condition with both values.
		wantExplain: []string{
			":sub",
			"system:serviceaccount:other-team:eks-ec2-list",
			"system:serviceaccount:default:eks-ec2-list",
		},
	}, {
		name: "audience of Pod Identity",
		role: seed003,
		token: func(t *testing.T) string {
			return createToken(t, c.Cluster, "default", "eks-ec2-list", podIdentityAudience, 0)
		},
		wantCode:    "InvalidIdentityToken",
		wantMessage: "Incorrect token audience",
		wantReason:  []string{podIdentityAudience, "client IDs", stsAudience},
	}, {
		name: "expired token",
		role: seed003,
		token: func(t *testing.T) string {
			return testbed.ResignToken(t, c.signingKey, genuine(t), testbed.ExpiresAt(time.Now().Add(-time.Hour)))
		},
		wantCode:    "ExpiredTokenException",
		wantMessage: "Token expired: current date/time ",
		wantReason:  []string{"expired"},
	}, {
		name: "token signed by another cluster",
		role: seed003,
		token: func(t *testing.T) string {
			other := impostorCluster(t)
			ensureServiceAccount(t, other, "default", "eks-ec2-list")
			token, err := other.CreateToken(t.Context(), "default", "eks-ec2-list", []string{stsAudience}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if iss := decodeClaims(t, token).Iss; iss != c.IssuerURL {
				t.Fatalf("the impostor's token has iss %q, want the main cluster's %q", iss, c.IssuerURL)
			}
			return token
		},
		wantCode:   "InvalidIdentityToken",
		wantReason: []string{"key"},
	}, {
		name: "issuer without a provider",
		role: seed003,
		token: func(t *testing.T) string {
			p := publishedIssuerCluster(t)
			return createToken(t, p.Cluster, "default", "eks-ec2-list", stsAudience, 0)
		},
		wantCode:            "InvalidIdentityToken",
		wantMessage:         "No OpenIDConnect provider found in your account for ",
		wantIssuerInMessage: true,
		wantReason:          []string{"no IAM OIDC provider", accountOne},
	}, {
		name:        "wrong provider ARN in the trust policy",
		role:        roleARN(accountOne, staleProviderRole),
		token:       genuine,
		wantCode:    "AccessDenied",
		wantMessage: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
		wantReason: []string{
			"arn:aws:iam::" + accountOne + ":oidc-provider/" + staleIssuer, // what the policy names
			provider, // what the token's issuer is
		},
	}}
	// The control for the expired case: the same re-signing with a future
	// expiry is accepted, so only exp makes the difference.
	t.Run("control: re-signed token that has not expired", func(t *testing.T) {
		token := testbed.ResignToken(t, c.signingKey, genuine(t), testbed.ExpiresAt(time.Now().Add(30*time.Minute)))
		env := clientEnv(t, tb.URL, webIdentity{RoleARN: seed003, TokenFile: writeToken(t, token), SessionName: "resigned-control"}.env()...)
		var id callerIdentity
		mustAWSCLI(t, env, &id, "sts", "get-caller-identity")
		if want := assumedRoleARN(accountOne, seed003Role, "resigned-control"); id.Arn != want {
			t.Errorf("Arn = %q, want %q", id.Arn, want)
		}
	})

	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			session := "denial-" + string(rune('a'+i))
			token := tc.token(t)
			tokenFile := writeToken(t, token)
			env := clientEnv(t, tb.URL)
			r := awsCLI(t, env, "sts", "assume-role-with-web-identity",
				"--role-arn", tc.role, "--role-session-name", session,
				"--web-identity-token", "file://"+tokenFile)
			if r.Err == nil {
				t.Fatalf("assume-role-with-web-identity succeeded, want %s", tc.wantCode)
			}
			code, msg, ok := r.ServiceError()
			if !ok {
				t.Fatalf("no service error from the AWS CLI: %v\n%s", r.Err, tail(r.Stderr, 2000))
			}
			if code != tc.wantCode {
				t.Errorf("code = %s, want %s (message %q)", code, tc.wantCode, msg)
			}
			awsMsg, reason, explained := strings.Cut(msg, " (trustbridge: ")
			if !strings.HasPrefix(awsMsg, tc.wantMessage) {
				t.Errorf("message = %q, want it to start with %q", awsMsg, tc.wantMessage)
			}
			if iss := decodeClaims(t, token).Iss; tc.wantIssuerInMessage && !strings.HasSuffix(awsMsg, iss) {
				t.Errorf("message = %q, want it to end with the token's issuer %s", awsMsg, iss)
				if reason != "" && !strings.Contains(reason, iss) {
					t.Errorf("--explain-errors reason %q does not name the issuer %s", reason, iss)
				}
			}
			if !explained {
				t.Errorf("message %q has no --explain-errors reason", msg)
			}
			for _, want := range tc.wantReason {
				if !strings.Contains(reason, want) {
					t.Errorf("--explain-errors reason %q does not mention %q", reason, want)
				}
			}

			ev := tb.auditEvent(t, "AssumeRoleWithWebIdentity", session)
			if ev.ErrorCode != tc.wantCode {
				t.Errorf("audit errorCode = %q, want %q", ev.ErrorCode, tc.wantCode)
			}
			if ev.Decision == nil || ev.Decision.Decision == "Allowed" || ev.Decision.Resource != tc.role {
				t.Fatalf("audit decision = %+v, want a denial on %s", ev.Decision, tc.role)
			}
			t.Logf("--explain-errors: %s\naudit summary: %s", reason, ev.Decision.Summary)
			for _, want := range tc.wantReason {
				if tc.wantCode != "AccessDenied" && !strings.Contains(ev.Decision.Summary, want) {
					t.Errorf("audit summary %q does not mention %q", ev.Decision.Summary, want)
				}
			}
			if strings.Contains(ev.raw, "eyJ") {
				t.Error("the audit event holds something that looks like a JWT")
			}

			out, err := tb.explain(t, rootOne, ev.RequestID)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, ev.RequestID) || !strings.Contains(out, tc.wantCode) {
				t.Errorf("explain output does not name the request and its answer %s:\n%s", tc.wantCode, out)
			}
			wantExplain := tc.wantExplain
			if wantExplain == nil {
				wantExplain = tc.wantReason
			}
			for _, want := range wantExplain {
				if !strings.Contains(out, want) {
					t.Errorf("explain output does not mention %q:\n%s", want, out)
				}
			}
		})
	}
}
