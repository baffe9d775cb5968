package iam

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/store"
)

const (
	pARN   = "arn:aws:iam::" + acct + ":policy/P"
	oidcA  = "arn:aws:iam::" + acct + ":oidc-provider/issuer.example.com"
	awsRO  = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	bigDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s"}]}`
)

// docOfSize returns an identity policy of exactly n non-whitespace characters.
func docOfSize(n int) string {
	base := strings.Replace(bigDoc, "%s", "", 1)
	return strings.Replace(bigDoc, "%s", strings.Repeat("a", n-len(base)), 1)
}

// trustOfSize returns a trust policy of exactly n non-whitespace characters.
func trustOfSize(n int) string {
	const tpl = `{"Version":"2012-10-17","Statement":[{"Sid":"%s","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	base := strings.Replace(tpl, "%s", "", 1)
	return strings.Replace(tpl, "%s", strings.Repeat("a", n-len(base)), 1)
}

// seed builds the account the error and authorization tests work on:
// role app (inline policy, policy P attached), role attached (P only),
// user bob (one access key), user nobody (no permissions), policy P with
// two versions... and an OIDC provider.
func seed(t testing.TB) (*env, string) {
	e := newEnv(t)
	e.root("CreateRole", "RoleName", "app", "Path", "/svc/", "AssumeRolePolicyDocument", trustDoc, "Tags.member.1.Key", "env", "Tags.member.1.Value", "prod")
	e.root("PutRolePolicy", "RoleName", "app", "PolicyName", "inline", "PolicyDocument", s3ReadDoc)
	e.root("CreatePolicy", "PolicyName", "P", "PolicyDocument", s3ReadDoc)
	e.root("AttachRolePolicy", "RoleName", "app", "PolicyArn", pARN)
	e.root("CreateRole", "RoleName", "attached", "AssumeRolePolicyDocument", trustDoc)
	e.root("AttachRolePolicy", "RoleName", "attached", "PolicyArn", pARN)
	e.root("CreateUser", "UserName", "bob")
	k := e.root("CreateAccessKey", "UserName", "bob").(*CreateAccessKeyResult)
	e.root("CreateUser", "UserName", "nobody")
	e.root("CreateOpenIDConnectProvider", "Url", "https://issuer.example.com", "ClientIDList.member.1", "sts.amazonaws.com")
	ctx := context.Background()
	err := e.st.CreatePolicy(ctx, store.ManagedPolicy{ARN: awsRO, Account: store.AWSAccount, Name: "ReadOnlyAccess", Path: "/", PolicyID: "ANPAAWSREADONLY0000001",
		DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1", Document: s3ReadDoc, CreateDate: fixedNow}}, CreateDate: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	err = e.st.CreatePolicy(ctx, store.ManagedPolicy{ARN: "arn:aws:iam::" + other + ":policy/Theirs", Account: other, Name: "Theirs", Path: "/", PolicyID: "ANPATHEIRS00000000001",
		DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1", Document: s3ReadDoc, CreateDate: fixedNow}}, CreateDate: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return e, k.AccessKey.AccessKeyId
}

func TestErrors(t *testing.T) {
	e, key := seed(t)
	root := rootOf(acct)
	missingKey := "AKIAZZZZZZZZZZZZZZZZ"
	tests := []struct {
		name   string
		caller *auth.Caller
		setup  func()
		action string
		params []string
		code   string
		status int
		msg    string // exact; "" checks code and status only
	}{
		{"missing parameter", root, nil, "CreateRole", []string{"AssumeRolePolicyDocument", trustDoc}, "ValidationError", 400,
			"1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"},
		{"bad name", root, nil, "CreateRole", []string{"RoleName", "a b", "AssumeRolePolicyDocument", trustDoc}, "ValidationError", 400,
			`1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"max items", root, nil, "ListRoles", []string{"MaxItems", "0"}, "ValidationError", 400,
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"no such role", root, nil, "GetRole", []string{"RoleName", "nope"}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"no such role delete", root, nil, "DeleteRole", []string{"RoleName", "nope"}, "NoSuchEntity", 404, "The role with name nope cannot be found."},
		{"no such user", root, nil, "GetUser", []string{"UserName", "nope"}, "NoSuchEntity", 404, "The user with name nope cannot be found."},
		{"no such user delete", root, nil, "DeleteUser", []string{"UserName", "nope"}, "NoSuchEntity", 404, "The user with name nope cannot be found."},
		{"no such role policy", root, nil, "GetRolePolicy", []string{"RoleName", "app", "PolicyName", "nope"}, "NoSuchEntity", 404, "The role policy with name nope cannot be found."},
		{"no such role policy delete", root, nil, "DeleteRolePolicy", []string{"RoleName", "app", "PolicyName", "nope"}, "NoSuchEntity", 404, "The role policy with name nope cannot be found."},
		{"no such user policy", root, nil, "GetUserPolicy", []string{"UserName", "bob", "PolicyName", "nope"}, "NoSuchEntity", 404, "The user policy with name nope cannot be found."},
		{"no such user policy delete", root, nil, "DeleteUserPolicy", []string{"UserName", "bob", "PolicyName", "nope"}, "NoSuchEntity", 404, "The user policy with name nope cannot be found."},
		{"no such access key", root, nil, "DeleteAccessKey", []string{"UserName", "bob", "AccessKeyId", missingKey}, "NoSuchEntity", 404, "The Access Key with id " + missingKey + " cannot be found."},
		{"access key of another user", root, nil, "DeleteAccessKey", []string{"UserName", "nobody", "AccessKeyId", key}, "NoSuchEntity", 404, "The Access Key with id " + key + " cannot be found."},
		{"no such policy", root, nil, "GetPolicy", []string{"PolicyArn", pARN + "x"}, "NoSuchEntity", 404, "Policy " + pARN + "x does not exist or is not attachable."},
		{"no such policy delete", root, nil, "DeletePolicy", []string{"PolicyArn", pARN + "x"}, "NoSuchEntity", 404, "Policy " + pARN + "x does not exist or is not attachable."},
		{"no such policy attach", root, nil, "AttachRolePolicy", []string{"RoleName", "app", "PolicyArn", pARN + "x"}, "NoSuchEntity", 404, "Policy " + pARN + "x does not exist or is not attachable."},
		{"other account's policy attach", root, nil, "AttachRolePolicy", []string{"RoleName", "app", "PolicyArn", "arn:aws:iam::" + other + ":policy/Theirs"}, "NoSuchEntity", 404, "Policy arn:aws:iam::" + other + ":policy/Theirs does not exist or is not attachable."},
		{"invalid policy ARN", root, nil, "GetPolicy", []string{"PolicyArn", "arn:aws:s3:::bucket/policy/x"}, "InvalidInput", 400, "ARN arn:aws:s3:::bucket/policy/x is not valid."},
		{"no such version", root, nil, "GetPolicyVersion", []string{"PolicyArn", pARN, "VersionId", "v9"}, "NoSuchEntity", 404, "Policy " + pARN + " version v9 does not exist or is not attachable."},
		{"no such version delete", root, nil, "DeletePolicyVersion", []string{"PolicyArn", pARN, "VersionId", "v9"}, "NoSuchEntity", 404, "Policy " + pARN + " version v9 does not exist or is not attachable."},
		{"no such version default", root, nil, "SetDefaultPolicyVersion", []string{"PolicyArn", pARN, "VersionId", "v9"}, "NoSuchEntity", 404, "Policy " + pARN + " version v9 does not exist or is not attachable."},
		{"detach not attached", root, nil, "DetachUserPolicy", []string{"UserName", "bob", "PolicyArn", pARN}, "NoSuchEntity", 404, "Policy " + pARN + " was not found."},
		{"no such provider", root, nil, "GetOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", oidcA + "/x"}, "NoSuchEntity", 404, "OpenIDConnect Provider not found for arn " + oidcA + "/x"},
		{"no such provider delete", root, nil, "DeleteOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", oidcA + "/x"}, "NoSuchEntity", 404, "OpenIDConnect Provider not found for arn " + oidcA + "/x"},

		{"role exists", root, nil, "CreateRole", []string{"RoleName", "APP", "AssumeRolePolicyDocument", trustDoc}, "EntityAlreadyExists", 409, "Role with name APP already exists."},
		{"user exists", root, nil, "CreateUser", []string{"UserName", "Bob"}, "EntityAlreadyExists", 409, "User with name Bob already exists."},
		{"rename onto user", root, nil, "UpdateUser", []string{"UserName", "bob", "NewUserName", "nobody"}, "EntityAlreadyExists", 409, "User with name nobody already exists."},
		{"policy exists", root, nil, "CreatePolicy", []string{"PolicyName", "p", "PolicyDocument", s3ReadDoc}, "EntityAlreadyExists", 409, "A policy called p already exists. Duplicate names are not allowed."},
		{"provider exists", root, nil, "CreateOpenIDConnectProvider", []string{"Url", "https://issuer.example.com"}, "EntityAlreadyExists", 409, "Provider with url https://issuer.example.com already exists."},

		{"delete role with inline policies", root, nil, "DeleteRole", []string{"RoleName", "app"}, "DeleteConflict", 409, "Cannot delete entity, must delete policies first."},
		{"delete role with attached policies", root, nil, "DeleteRole", []string{"RoleName", "attached"}, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first."},
		{"delete user with keys", root, nil, "DeleteUser", []string{"UserName", "bob"}, "DeleteConflict", 409, "Cannot delete entity, must delete access keys first."},
		{"delete attached policy", root, nil, "DeletePolicy", []string{"PolicyArn", pARN}, "DeleteConflict", 409, "Cannot delete a policy attached to entities."},
		{"delete default version", root, nil, "DeletePolicyVersion", []string{"PolicyArn", pARN, "VersionId", "v1"}, "DeleteConflict", 409, "Cannot delete the default version of a policy."},
		{"delete policy with versions", root, func() {
			e.root("CreatePolicy", "PolicyName", "V", "PolicyDocument", s3ReadDoc)
			e.root("CreatePolicyVersion", "PolicyArn", "arn:aws:iam::"+acct+":policy/V", "PolicyDocument", s3ReadDoc)
		}, "DeletePolicy", []string{"PolicyArn", "arn:aws:iam::" + acct + ":policy/V"}, "DeleteConflict", 409,
			"This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."},
		{"delete boundary policy", root, func() {
			e.root("CreatePolicy", "PolicyName", "B", "PolicyDocument", s3ReadDoc)
			e.root("PutUserPermissionsBoundary", "UserName", "nobody", "PermissionsBoundary", "arn:aws:iam::"+acct+":policy/B")
		}, "DeletePolicy", []string{"PolicyArn", "arn:aws:iam::" + acct + ":policy/B"}, "DeleteConflict", 409, "Cannot delete a policy used as a permissions boundary."},

		{"third access key", root, func() { e.root("CreateAccessKey", "UserName", "bob") }, "CreateAccessKey", []string{"UserName", "bob"}, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2"},
		{"sixth version", root, func() {
			for i := 0; i < 4; i++ {
				e.root("CreatePolicyVersion", "PolicyArn", pARN, "PolicyDocument", s3ReadDoc)
			}
		}, "CreatePolicyVersion", []string{"PolicyArn", pARN, "PolicyDocument", s3ReadDoc}, "LimitExceeded", 409,
			"A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."},
		{"trust policy too large", root, nil, "CreateRole", []string{"RoleName", "big", "AssumeRolePolicyDocument", trustOfSize(2049)}, "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048"},
		{"managed policy too large", root, nil, "CreatePolicy", []string{"PolicyName", "big", "PolicyDocument", docOfSize(6145)}, "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144"},
		{"role inline policy too large", root, nil, "PutRolePolicy", []string{"RoleName", "app", "PolicyName", "big", "PolicyDocument", docOfSize(10241)}, "LimitExceeded", 409, "Maximum policy size of 10240 bytes exceeded for role app"},
		{"role inline policies too large together", root, func() {
			e.root("PutRolePolicy", "RoleName", "attached", "PolicyName", "a", "PolicyDocument", docOfSize(6000))
		}, "PutRolePolicy", []string{"RoleName", "attached", "PolicyName", "b", "PolicyDocument", docOfSize(6000)}, "LimitExceeded", 409, "Maximum policy size of 10240 bytes exceeded for role attached"},
		{"user inline policy too large", root, nil, "PutUserPolicy", []string{"UserName", "bob", "PolicyName", "big", "PolicyDocument", docOfSize(2049)}, "LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user bob"},
		{"too many tags", root, nil, "TagRole", tags("RoleName", "app", 50), "LimitExceeded", 409, "Cannot exceed quota for TagsPerRole: 50"},

		{"malformed trust policy", root, nil, "CreateRole", []string{"RoleName", "bad", "AssumeRolePolicyDocument", "{not json"}, "MalformedPolicyDocument", 400, "Syntax errors in policy."},
		{"trust policy without principal", root, nil, "UpdateAssumeRolePolicy", []string{"RoleName", "app", "PolicyDocument", s3ReadDoc}, "MalformedPolicyDocument", 400, ""},
		{"identity policy with principal", root, nil, "PutRolePolicy", []string{"RoleName", "app", "PolicyName", "x", "PolicyDocument", trustDoc}, "MalformedPolicyDocument", 400, ""},
		{"managed policy malformed", root, nil, "CreatePolicyVersion", []string{"PolicyArn", pARN, "PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`}, "MalformedPolicyDocument", 400, ""},

		{"duplicate tag keys", root, nil, "TagUser", []string{"UserName", "bob", "Tags.member.1.Key", "a", "Tags.member.1.Value", "1", "Tags.member.2.Key", "A", "Tags.member.2.Value", "2"}, "InvalidInput", 400,
			"Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"reserved tag key", root, nil, "CreateRole", []string{"RoleName", "r", "AssumeRolePolicyDocument", trustDoc, "Tags.member.1.Key", "aws:x", "Tags.member.1.Value", "1"}, "InvalidInput", 400, ""},
		{"http provider", root, nil, "CreateOpenIDConnectProvider", []string{"Url", "http://issuer.example.com"}, "InvalidInput", 400, "Invalid Open ID Connect Provider URL."},
		{"provider with query", root, nil, "CreateOpenIDConnectProvider", []string{"Url", "https://issuer.example.com/?a=b"}, "InvalidInput", 400, "Invalid Open ID Connect Provider URL."},
		{"bad thumbprint", root, nil, "CreateOpenIDConnectProvider", []string{"Url", "https://x.example.com", "ThumbprintList.member.1", strings.Repeat("g", 40)}, "InvalidInput", 400, ""},
		{"six thumbprints", root, nil, "UpdateOpenIDConnectProviderThumbprint", thumbs(oidcA, 6), "LimitExceeded", 409, "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5"},
		{"missing boundary", root, nil, "CreateRole", []string{"RoleName", "r", "AssumeRolePolicyDocument", trustDoc, "PermissionsBoundary", pARN + "x"}, "InvalidInput", 400, "Scope ARN: " + pARN + "x does not exist or is not attachable."},
		{"expired status", root, nil, "UpdateAccessKey", []string{"UserName", "bob", "AccessKeyId", key, "Status", "Expired"}, "InvalidInput", 400, ""},
		{"invalid marker", root, nil, "ListRoles", []string{"Marker", "garbage"}, "ValidationError", 400, "Invalid Marker."},
		{"invalid offset marker", root, nil, "ListRoleTags", []string{"RoleName", "app", "Marker", "garbage"}, "ValidationError", 400, "Invalid Marker."},
		{"simulate malformed", root, nil, "SimulateCustomPolicy", []string{"PolicyInputList.member.1", "{", "ActionNames.member.1", "s3:GetObject"}, "InvalidInput", 400, "PolicyInputList.1: Syntax errors in policy."},

		{"role session without user name", e.roleSession("app"), nil, "GetUser", nil, "ValidationError", 400, "Must specify userName when calling with non-User credentials"},
		{"role session access key", e.roleSession("app"), nil, "CreateAccessKey", nil, "ValidationError", 400, "Must specify userName when calling with non-User credentials"},
		{"unauthenticated", nil, nil, "ListRoles", nil, "MissingAuthenticationToken", 403, "Request is missing Authentication Token"},
		{"AWS managed policy delete", root, nil, "DeletePolicy", []string{"PolicyArn", awsRO}, "AccessDenied", 403, "Cannot delete policies outside your own account."},
		{"other account's policy", root, nil, "GetPolicy", []string{"PolicyArn", "arn:aws:iam::" + other + ":policy/Theirs"}, "AccessDenied", 403, ""},
		{"other account's provider", root, nil, "GetOpenIDConnectProvider", []string{"OpenIDConnectProviderArn", "arn:aws:iam::" + other + ":oidc-provider/issuer.example.com"}, "AccessDenied", 403, ""},
		{"not implemented", root, nil, "CreateGroup", []string{"GroupName", "g"}, "NotImplemented", http.StatusNotImplemented, "trustbridge does not implement CreateGroup."},
		{"unknown action", root, nil, "Frobnicate", nil, "InvalidAction", 400, "Could not find operation Frobnicate for version 2010-05-08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			_, err := e.call(tt.caller, tt.action, tt.params...)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func tags(nameKey, name string, n int) []string {
	out := []string{nameKey, name}
	for i := 1; i <= n; i++ {
		k := "Tags.member." + itoa(i)
		out = append(out, k+".Key", "k"+itoa(i), k+".Value", "v")
	}
	return out
}

func thumbs(providerARN string, n int) []string {
	out := []string{"OpenIDConnectProviderArn", providerARN}
	for i := 1; i <= n; i++ {
		out = append(out, "ThumbprintList.member."+itoa(i), strings.Repeat(itoa(i%10), 40))
	}
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// TestBadInputLosesNothing checks that rejected writes leave the state as
// it was.
func TestBadInputLosesNothing(t *testing.T) {
	e, _ := seed(t)
	root := rootOf(acct)
	fail := func(action string, params ...string) {
		t.Helper()
		if _, err := e.call(root, action, params...); err == nil {
			t.Fatalf("%s succeeded", action)
		}
	}
	fail("CreateRole", "RoleName", "new", "AssumeRolePolicyDocument", "{")
	_, err := e.call(root, "GetRole", "RoleName", "new")
	wantAPIError(t, err, "NoSuchEntity", 404, "")

	fail("PutRolePolicy", "RoleName", "app", "PolicyName", "inline", "PolicyDocument", docOfSize(10241))
	got := e.root("GetRolePolicy", "RoleName", "app", "PolicyName", "inline").(*GetRolePolicyResult)
	if decodeDoc(t, got.PolicyDocument) != s3ReadDoc {
		t.Fatalf("inline policy changed: %s", got.PolicyDocument)
	}

	fail("UpdateAssumeRolePolicy", "RoleName", "app", "PolicyDocument", s3ReadDoc)
	role := e.root("GetRole", "RoleName", "app").(*GetRoleResult)
	if decodeDoc(t, role.Role.AssumeRolePolicyDocument) != trustDoc {
		t.Fatalf("trust policy changed")
	}

	fail("DeleteRole", "RoleName", "app")
	e.root("GetRole", "RoleName", "app")

	fail("TagRole", tags("RoleName", "app", 50)...)
	rt := e.root("ListRoleTags", "RoleName", "app").(*ListRoleTagsResult)
	if len(rt.Tags) != 1 || rt.Tags[0].Key != "env" {
		t.Fatalf("tags changed: %+v", rt.Tags)
	}

	fail("CreatePolicyVersion", "PolicyArn", pARN, "PolicyDocument", "[]")
	pv := e.root("ListPolicyVersions", "PolicyArn", pARN).(*ListPolicyVersionsResult)
	if len(pv.Versions) != 1 {
		t.Fatalf("versions: %+v", pv.Versions)
	}
}
