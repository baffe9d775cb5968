package iam_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

// End-to-end tests: the whole server (SigV4 authentication, the edge, the
// authorizer) driven by the real AWS CLI, boto3 and the AWS SDK for Go v2,
// on the built-in demo world (account 123456789012).

const (
	account   = "123456789012"
	trust     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	readS3    = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	thumb     = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	issuerURL = "https://issuer.e2e.example.com/tenant"
	issuerARN = "arn:aws:iam::" + account + ":oidc-provider/issuer.e2e.example.com/tenant"
)

// cli runs the AWS CLI with JSON output and decodes it.
type cli struct {
	t *testing.T
	s *apptest.Server
	c apptest.Creds
}

func (c cli) run(args ...string) map[string]any {
	c.t.Helper()
	out := c.s.MustAWS(c.t, c.c, append([]string{"iam"}, args...)...)
	m := map[string]any{}
	if strings.TrimSpace(out) == "" {
		return m
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		c.t.Fatalf("aws iam %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return m
}

// fail runs a command that must fail with code and a message containing msg.
func (c cli) fail(code, msg string, args ...string) {
	c.t.Helper()
	_, errOut, err := c.s.AWS(c.t, c.c, append([]string{"iam"}, args...)...)
	if err == nil {
		c.t.Fatalf("aws iam %s succeeded, want %s", strings.Join(args, " "), code)
	}
	if !strings.Contains(errOut, "("+code+")") || !strings.Contains(errOut, msg) {
		c.t.Fatalf("aws iam %s: want (%s) %q, got:\n%s", strings.Join(args, " "), code, msg, errOut)
	}
}

// get walks a decoded JSON value along a dotted path ("Role.Arn",
// "Roles.0.RoleName").
func get(t *testing.T, v any, path string) any {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, ch := range p {
				i = i*10 + int(ch-'0')
			}
			if i >= len(x) {
				t.Fatalf("%s: index %d out of %d", path, i, len(x))
			}
			v = x[i]
		default:
			t.Fatalf("%s: cannot index %T with %q", path, v, p)
		}
	}
	return v
}

func wantEq(t *testing.T, got, want any, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func names(t *testing.T, list any, key string) []string {
	t.Helper()
	var out []string
	for _, e := range list.([]any) {
		out = append(out, e.(map[string]any)[key].(string))
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestAWSCLI drives every IAM action trustbridge implements with the AWS
// CLI, errors included. It runs about 90 CLI processes (minutes on a
// loaded machine); -short skips it.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ~90 AWS CLI processes")
	}
	apptest.NeedTool(t, "aws")
	s := apptest.Start(t, apptest.Options{})
	root := cli{t, s, apptest.KeyCreds(s.Key(t, "root:"+account))}
	userOne := cli{t, s, apptest.KeyCreds(s.Key(t, "UserOne"))}

	// Users and access keys.
	u := root.run("create-user", "--user-name", "cli-user", "--path", "/e2e/", "--tags", "Key=team,Value=blue")
	wantEq(t, get(t, u, "User.Arn"), "arn:aws:iam::"+account+":user/e2e/cli-user", "User.Arn")
	if id := get(t, u, "User.UserId").(string); !strings.HasPrefix(id, "AIDA") || len(id) != 21 {
		t.Fatalf("UserId %s", id)
	}
	wantEq(t, get(t, root.run("get-user", "--user-name", "CLI-USER"), "User.UserName"), "cli-user", "GetUser name")
	wantEq(t, get(t, root.run("get-user"), "User.Arn"), "arn:aws:iam::"+account+":root", "GetUser of the root")
	if l := names(t, get(t, root.run("list-users"), "Users"), "UserName"); !has(l, "cli-user") || !has(l, "UserOne") {
		t.Fatalf("list-users: %v", l)
	}
	if l := names(t, get(t, root.run("list-users", "--path-prefix", "/e2e/"), "Users"), "UserName"); len(l) != 1 {
		t.Fatalf("list-users /e2e/: %v", l)
	}
	k := root.run("create-access-key", "--user-name", "cli-user")
	keyID := get(t, k, "AccessKey.AccessKeyId").(string)
	newKey := apptest.Creds{AccessKeyID: keyID, SecretAccessKey: get(t, k, "AccessKey.SecretAccessKey").(string)}
	if !strings.HasPrefix(keyID, "AKIA") {
		t.Fatalf("key %s", keyID)
	}
	// The new key authenticates at once: its sealed secret opens.
	id := s.MustAWS(t, newKey, "sts", "get-caller-identity")
	if !strings.Contains(id, "arn:aws:iam::"+account+":user/e2e/cli-user") {
		t.Fatalf("get-caller-identity with the new key: %s", id)
	}
	if l := names(t, get(t, root.run("list-access-keys", "--user-name", "cli-user"), "AccessKeyMetadata"), "AccessKeyId"); len(l) != 1 || l[0] != keyID {
		t.Fatalf("list-access-keys: %v", l)
	}
	lu := root.run("get-access-key-last-used", "--access-key-id", keyID)
	wantEq(t, get(t, lu, "UserName"), "cli-user", "GetAccessKeyLastUsed user")
	root.run("update-access-key", "--user-name", "cli-user", "--access-key-id", keyID, "--status", "Inactive")
	if _, errOut, err := s.AWS(t, newKey, "sts", "get-caller-identity"); err == nil || !strings.Contains(errOut, "InvalidClientTokenId") {
		t.Fatalf("inactive key still works: %v %s", err, errOut)
	}
	root.run("tag-user", "--user-name", "cli-user", "--tags", "Key=TEAM,Value=red")
	tags := get(t, root.run("list-user-tags", "--user-name", "cli-user"), "Tags").([]any)
	if len(tags) != 1 || get(t, tags, "0.Key") != "TEAM" || get(t, tags, "0.Value") != "red" {
		t.Fatalf("user tags %v", tags)
	}
	root.run("untag-user", "--user-name", "cli-user", "--tag-keys", "team")
	root.fail("DeleteConflict", "Cannot delete entity, must delete access keys first.", "delete-user", "--user-name", "cli-user")
	root.run("delete-access-key", "--user-name", "cli-user", "--access-key-id", keyID)
	root.fail("NoSuchEntity", "The Access Key with id "+keyID+" cannot be found.", "delete-access-key", "--user-name", "cli-user", "--access-key-id", keyID)

	// Roles.
	r := root.run("create-role", "--role-name", "cli-role", "--path", "/e2e/", "--assume-role-policy-document", trust,
		"--description", "made by the CLI", "--max-session-duration", "7200", "--tags", "Key=env,Value=test")
	wantEq(t, get(t, r, "Role.Arn"), "arn:aws:iam::"+account+":role/e2e/cli-role", "Role.Arn")
	if id := get(t, r, "Role.RoleId").(string); !strings.HasPrefix(id, "AROA") {
		t.Fatalf("RoleId %s", id)
	}
	gr := root.run("get-role", "--role-name", "cli-role")
	// botocore decodes the URL-encoded trust policy: the CLI prints it as
	// a JSON object.
	wantEq(t, get(t, gr, "Role.AssumeRolePolicyDocument.Statement.0.Principal.Service"), "ec2.amazonaws.com", "decoded trust policy")
	wantEq(t, get(t, gr, "Role.MaxSessionDuration"), float64(7200), "MaxSessionDuration")
	wantEq(t, get(t, gr, "Role.Tags.0.Key"), "env", "role tag")
	// The CLI follows Marker/IsTruncated through every page.
	all := names(t, get(t, root.run("list-roles"), "Roles"), "RoleName")
	paged := names(t, get(t, root.run("list-roles", "--page-size", "1"), "Roles"), "RoleName")
	if len(all) < 5 || strings.Join(all, ",") != strings.Join(paged, ",") || !has(all, "cli-role") {
		t.Fatalf("list-roles %v, paged %v", all, paged)
	}
	first := root.run("list-roles", "--max-items", "2")
	if len(get(t, first, "Roles").([]any)) != 2 || get(t, first, "NextToken") == nil {
		t.Fatalf("list-roles --max-items 2: %v", first)
	}
	root.run("update-role", "--role-name", "cli-role", "--description", "updated", "--max-session-duration", "3600")
	root.run("update-assume-role-policy", "--role-name", "cli-role", "--policy-document", strings.Replace(trust, "ec2", "lambda", 1))
	gr = root.run("get-role", "--role-name", "cli-role")
	wantEq(t, get(t, gr, "Role.Description"), "updated", "Description")
	wantEq(t, get(t, gr, "Role.AssumeRolePolicyDocument.Statement.0.Principal.Service"), "lambda.amazonaws.com", "updated trust")
	root.run("tag-role", "--role-name", "cli-role", "--tags", "Key=owner,Value=me")
	if l := names(t, get(t, root.run("list-role-tags", "--role-name", "cli-role"), "Tags"), "Key"); strings.Join(l, ",") != "env,owner" {
		t.Fatalf("role tags %v", l)
	}
	root.run("untag-role", "--role-name", "cli-role", "--tag-keys", "owner")

	// Inline policies.
	root.run("put-role-policy", "--role-name", "cli-role", "--policy-name", "read", "--policy-document", readS3)
	rp := root.run("get-role-policy", "--role-name", "cli-role", "--policy-name", "read")
	wantEq(t, get(t, rp, "PolicyDocument.Statement.0.Sid"), "Read", "decoded inline policy")
	wantEq(t, get(t, root.run("list-role-policies", "--role-name", "cli-role"), "PolicyNames.0"), "read", "list-role-policies")
	root.fail("DeleteConflict", "Cannot delete entity, must delete policies first.", "delete-role", "--role-name", "cli-role")
	root.run("delete-role-policy", "--role-name", "cli-role", "--policy-name", "read")
	root.fail("NoSuchEntity", "The role policy with name read cannot be found.", "get-role-policy", "--role-name", "cli-role", "--policy-name", "read")
	root.run("put-user-policy", "--user-name", "cli-user", "--policy-name", "read", "--policy-document", readS3)
	wantEq(t, get(t, root.run("get-user-policy", "--user-name", "cli-user", "--policy-name", "read"), "PolicyDocument.Statement.0.Action"), "s3:GetObject", "user policy")
	wantEq(t, get(t, root.run("list-user-policies", "--user-name", "cli-user"), "PolicyNames.0"), "read", "list-user-policies")
	root.run("delete-user-policy", "--user-name", "cli-user", "--policy-name", "read")

	// Managed policies, versions, attachments, boundaries.
	pol := root.run("create-policy", "--policy-name", "cli-policy", "--path", "/e2e/", "--policy-document", readS3, "--description", "d")
	polARN := get(t, pol, "Policy.Arn").(string)
	wantEq(t, polARN, "arn:aws:iam::"+account+":policy/e2e/cli-policy", "Policy.Arn")
	if id := get(t, pol, "Policy.PolicyId").(string); !strings.HasPrefix(id, "ANPA") {
		t.Fatalf("PolicyId %s", id)
	}
	wantEq(t, get(t, root.run("get-policy", "--policy-arn", polARN), "Policy.DefaultVersionId"), "v1", "DefaultVersionId")
	v := root.run("create-policy-version", "--policy-arn", polARN, "--policy-document", strings.Replace(readS3, "Read", "ReadV2", 1), "--set-as-default")
	wantEq(t, get(t, v, "PolicyVersion.VersionId"), "v2", "new version")
	wantEq(t, get(t, root.run("get-policy-version", "--policy-arn", polARN, "--version-id", "v2"), "PolicyVersion.Document.Statement.0.Sid"), "ReadV2", "decoded version")
	if l := names(t, get(t, root.run("list-policy-versions", "--policy-arn", polARN), "Versions"), "VersionId"); strings.Join(l, ",") != "v2,v1" {
		t.Fatalf("versions %v", l)
	}
	root.run("set-default-policy-version", "--policy-arn", polARN, "--version-id", "v1")
	root.fail("DeleteConflict", "Cannot delete the default version of a policy.", "delete-policy-version", "--policy-arn", polARN, "--version-id", "v1")
	root.run("delete-policy-version", "--policy-arn", polARN, "--version-id", "v2")
	if l := names(t, get(t, root.run("list-policies", "--scope", "Local"), "Policies"), "PolicyName"); !has(l, "cli-policy") || !has(l, "eks-users") {
		t.Fatalf("list-policies: %v", l)
	}
	root.run("attach-role-policy", "--role-name", "cli-role", "--policy-arn", polARN)
	wantEq(t, get(t, root.run("list-attached-role-policies", "--role-name", "cli-role"), "AttachedPolicies.0.PolicyArn"), polARN, "attached to role")
	root.run("attach-user-policy", "--user-name", "cli-user", "--policy-arn", polARN)
	wantEq(t, get(t, root.run("list-attached-user-policies", "--user-name", "cli-user"), "AttachedPolicies.0.PolicyName"), "cli-policy", "attached to user")
	ents := root.run("list-entities-for-policy", "--policy-arn", polARN)
	wantEq(t, get(t, ents, "PolicyRoles.0.RoleName"), "cli-role", "entities")
	root.fail("DeleteConflict", "Cannot delete a policy attached to entities.", "delete-policy", "--policy-arn", polARN)
	root.fail("DeleteConflict", "Cannot delete entity, must detach all policies first.", "delete-role", "--role-name", "cli-role")
	root.run("detach-role-policy", "--role-name", "cli-role", "--policy-arn", polARN)
	root.run("detach-user-policy", "--user-name", "cli-user", "--policy-arn", polARN)
	root.fail("NoSuchEntity", "Policy "+polARN+" was not found.", "detach-role-policy", "--role-name", "cli-role", "--policy-arn", polARN)
	root.run("put-role-permissions-boundary", "--role-name", "cli-role", "--permissions-boundary", polARN)
	wantEq(t, get(t, root.run("get-role", "--role-name", "cli-role"), "Role.PermissionsBoundary.PermissionsBoundaryArn"), polARN, "boundary")
	root.run("delete-role-permissions-boundary", "--role-name", "cli-role")
	if b := get(t, root.run("get-role", "--role-name", "cli-role"), "Role.PermissionsBoundary"); b != nil {
		t.Fatalf("boundary still set: %v", b)
	}

	// OpenID Connect providers.
	op := root.run("create-open-id-connect-provider", "--url", issuerURL, "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", thumb)
	wantEq(t, get(t, op, "OpenIDConnectProviderArn"), issuerARN, "provider ARN")
	g := root.run("get-open-id-connect-provider", "--open-id-connect-provider-arn", issuerARN)
	wantEq(t, get(t, g, "Url"), "issuer.e2e.example.com/tenant", "provider Url")
	wantEq(t, get(t, g, "ThumbprintList.0"), thumb, "thumbprint")
	if l := names(t, get(t, root.run("list-open-id-connect-providers"), "OpenIDConnectProviderList"), "Arn"); !has(l, issuerARN) || len(l) != 2 {
		t.Fatalf("providers %v", l)
	}
	root.run("add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn", issuerARN, "--client-id", "my-app")
	root.run("remove-client-id-from-open-id-connect-provider", "--open-id-connect-provider-arn", issuerARN, "--client-id", "sts.amazonaws.com")
	root.run("update-open-id-connect-provider-thumbprint", "--open-id-connect-provider-arn", issuerARN, "--thumbprint-list", strings.Repeat("a", 40))
	g = root.run("get-open-id-connect-provider", "--open-id-connect-provider-arn", issuerARN)
	if ids := get(t, g, "ClientIDList").([]any); len(ids) != 1 || ids[0] != "my-app" || get(t, g, "ThumbprintList.0") != strings.Repeat("a", 40) {
		t.Fatalf("provider after updates: %v", g)
	}
	root.fail("EntityAlreadyExists", "Provider with url "+issuerURL+" already exists.", "create-open-id-connect-provider", "--url", issuerURL, "--thumbprint-list", thumb)
	root.run("delete-open-id-connect-provider", "--open-id-connect-provider-arn", issuerARN)
	root.fail("NoSuchEntity", "OpenIDConnect Provider not found for arn "+issuerARN, "get-open-id-connect-provider", "--open-id-connect-provider-arn", issuerARN)

	// The policy simulator.
	sim := root.run("simulate-custom-policy", "--policy-input-list", readS3, "--action-names", "s3:GetObject", "s3:PutObject")
	wantEq(t, get(t, sim, "EvaluationResults.0.EvalDecision"), "allowed", "simulated GetObject")
	wantEq(t, get(t, sim, "EvaluationResults.0.MatchedStatements.0.SourcePolicyId"), "PolicyInputList.1", "matched statement")
	wantEq(t, get(t, sim, "EvaluationResults.1.EvalDecision"), "implicitDeny", "simulated PutObject")
	root.run("put-role-policy", "--role-name", "cli-role", "--policy-name", "deny", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	sp := root.run("simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::"+account+":role/e2e/cli-role", "--action-names", "s3:ListBucket", "s3:DeleteBucket", "iam:CreateUser")
	got := []string{}
	for _, r := range get(t, sp, "EvaluationResults").([]any) {
		got = append(got, r.(map[string]any)["EvalDecision"].(string))
	}
	if strings.Join(got, ",") != "allowed,explicitDeny,implicitDeny" {
		t.Fatalf("simulate-principal-policy: %v", got)
	}
	root.run("delete-role-policy", "--role-name", "cli-role", "--policy-name", "deny")

	// Errors.
	root.fail("NoSuchEntity", "The role with name ghost cannot be found.", "get-role", "--role-name", "ghost")
	root.fail("NoSuchEntity", "The user with name ghost cannot be found.", "delete-user", "--user-name", "ghost")
	root.fail("EntityAlreadyExists", "Role with name CLI-ROLE already exists.", "create-role", "--role-name", "CLI-ROLE", "--assume-role-policy-document", trust)
	root.fail("EntityAlreadyExists", "User with name cli-user already exists.", "create-user", "--user-name", "cli-user")
	root.fail("EntityAlreadyExists", "A policy called cli-policy already exists.", "create-policy", "--policy-name", "cli-policy", "--policy-document", readS3)
	root.fail("MalformedPolicyDocument", "", "create-role", "--role-name", "bad", "--assume-role-policy-document", readS3)
	root.fail("MalformedPolicyDocument", "Syntax errors in policy.", "put-role-policy", "--role-name", "cli-role", "--policy-name", "x", "--policy-document", "{nope")
	root.fail("ValidationError", "failed to satisfy constraint: Member must satisfy regular expression pattern", "get-role", "--role-name", "bad name")
	root.fail("NoSuchEntity", "does not exist or is not attachable.", "get-policy", "--policy-arn", polARN+"-ghost")
	root.fail("InvalidInput", "is not valid.", "get-policy", "--policy-arn", "arn:aws:s3:::not-a-policy-arn")
	userOne.fail("AccessDenied", "User: arn:aws:iam::"+account+":user/UserOne is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::"+account+":role/",
		"list-roles")
	userOne.fail("AccessDenied", "is not authorized to perform: iam:CreateRole", "create-role", "--role-name", "x", "--assume-role-policy-document", trust)

	// Clean up with the CLI; the account is as it was.
	root.run("delete-policy", "--policy-arn", polARN)
	root.run("delete-role", "--role-name", "cli-role")
	root.run("delete-user", "--user-name", "cli-user")
	if l := names(t, get(t, root.run("list-roles"), "Roles"), "RoleName"); has(l, "cli-role") {
		t.Fatalf("role left: %v", l)
	}
}

func TestBoto3(t *testing.T) {
	apptest.NeedTool(t, "python3")
	s := apptest.Start(t, apptest.Options{})
	out := s.MustPython(t, apptest.KeyCreds(s.Key(t, "root:"+account)), `
import json, boto3
from botocore.exceptions import ClientError
iam = boto3.client("iam")
res = {}
def code(f, **kw):
    try:
        f(**kw)
        return "OK"
    except ClientError as e:
        return e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
r = iam.create_role(RoleName="boto-role", AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "k", "Value": "v"}])["Role"]
res["arn"] = r["Arn"]
g = iam.get_role(RoleName="boto-role")["Role"]
res["trust_is_dict"] = isinstance(g["AssumeRolePolicyDocument"], dict)
res["trust"] = g["AssumeRolePolicyDocument"] == trust
roles = []
for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2}):
    roles += [x["RoleName"] for x in page["Roles"]]
res["roles"] = roles
iam.put_role_policy(RoleName="boto-role", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
res["inline"] = iam.get_role_policy(RoleName="boto-role", PolicyName="p")["PolicyDocument"]["Statement"][0]["Action"]
res["delete_conflict"] = code(iam.delete_role, RoleName="boto-role")
sim = iam.simulate_principal_policy(PolicySourceArn=r["Arn"], ActionNames=["s3:GetObject", "ec2:RunInstances"])
res["sim"] = [e["EvalDecision"] for e in sim["EvaluationResults"]]
pol = iam.create_policy(PolicyName="boto-policy", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))["Policy"]
iam.attach_role_policy(RoleName="boto-role", PolicyArn=pol["Arn"])
res["attached"] = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="boto-role")["AttachedPolicies"]]
res["version_doc"] = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v1")["PolicyVersion"]["Document"]["Statement"][0]["Action"]
u = iam.create_user(UserName="boto-user")["User"]
k = iam.create_access_key(UserName="boto-user")["AccessKey"]
me = boto3.client("sts", aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"]).get_caller_identity()
res["me"] = me["Arn"]
res["keys"] = len(iam.list_access_keys(UserName="boto-user")["AccessKeyMetadata"])
p = iam.create_open_id_connect_provider(Url="https://boto.example.com", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["`+thumb+`"])
res["oidc_url"] = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p["OpenIDConnectProviderArn"])["Url"]
res["errors"] = [
    code(iam.get_role, RoleName="ghost"),
    code(iam.create_role, RoleName="BOTO-ROLE", AssumeRolePolicyDocument=json.dumps(trust)),
    code(iam.create_role, RoleName="bad", AssumeRolePolicyDocument="{"),
    code(iam.delete_user, UserName="boto-user"),
    code(iam.get_policy, PolicyArn=pol["Arn"] + "x"),
]
iam.detach_role_policy(RoleName="boto-role", PolicyArn=pol["Arn"])
iam.delete_role_policy(RoleName="boto-role", PolicyName="p")
iam.delete_role(RoleName="boto-role")
iam.delete_policy(PolicyArn=pol["Arn"])
iam.delete_access_key(UserName="boto-user", AccessKeyId=k["AccessKeyId"])
iam.delete_user(UserName="boto-user")
iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=p["OpenIDConnectProviderArn"])
res["after"] = code(iam.get_role, RoleName="boto-role")
print(json.dumps(res))
`)
	var res struct {
		Arn            string
		TrustIsDict    bool `json:"trust_is_dict"`
		Trust          bool
		Roles          []string
		Inline         string
		DeleteConflict string `json:"delete_conflict"`
		Sim            []string
		Attached       []string
		VersionDoc     string `json:"version_doc"`
		Me             string
		Keys           int
		OIDCURL        string `json:"oidc_url"`
		Errors         []string
		After          string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Arn != "arn:aws:iam::"+account+":role/boto-role" || !res.TrustIsDict || !res.Trust || !has(res.Roles, "boto-role") || len(res.Roles) < 5 {
		t.Errorf("roles: %+v", res)
	}
	if res.Inline != "s3:*" || res.DeleteConflict != "DeleteConflict: Cannot delete entity, must delete policies first." || strings.Join(res.Sim, ",") != "allowed,implicitDeny" {
		t.Errorf("policies: %+v", res)
	}
	if strings.Join(res.Attached, ",") != "boto-policy" || res.VersionDoc != "ec2:*" || res.Me != "arn:aws:iam::"+account+":user/boto-user" || res.Keys != 1 || res.OIDCURL != "boto.example.com" {
		t.Errorf("policies, keys, providers: %+v", res)
	}
	wantErrs := []string{
		"NoSuchEntity: The role with name ghost cannot be found.",
		"EntityAlreadyExists: Role with name BOTO-ROLE already exists.",
		"MalformedPolicyDocument: Syntax errors in policy.",
		"DeleteConflict: Cannot delete entity, must delete access keys first.",
		"NoSuchEntity: Policy arn:aws:iam::" + account + ":policy/boto-policyx does not exist or is not attachable.",
	}
	if strings.Join(res.Errors, "\n") != strings.Join(wantErrs, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(res.Errors, "\n"), strings.Join(wantErrs, "\n"))
	}
	if res.After != "NoSuchEntity: The role with name boto-role cannot be found." {
		t.Errorf("after delete: %s", res.After)
	}
}

func TestGoSDK(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	k := s.Key(t, "root:"+account)
	ctx := context.Background()
	c := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cr, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("sdk-role"), Path: aws.String("/sdk/"), AssumeRolePolicyDocument: aws.String(trust),
		Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	must(err)
	if aws.ToString(cr.Role.Arn) != "arn:aws:iam::"+account+":role/sdk/sdk-role" || cr.Role.CreateDate == nil {
		t.Fatalf("CreateRole: %+v", cr.Role)
	}
	gr, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("sdk-role")})
	must(err)
	doc, err := url.QueryUnescape(aws.ToString(gr.Role.AssumeRolePolicyDocument))
	if err != nil || doc != trust || aws.ToInt32(gr.Role.MaxSessionDuration) != 3600 || len(gr.Role.Tags) != 1 {
		t.Fatalf("GetRole: %+v (%s, %v)", gr.Role, doc, err)
	}
	var roles []string
	pg := awsiam.NewListRolesPaginator(c, &awsiam.ListRolesInput{MaxItems: aws.Int32(1)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		must(err)
		if len(out.Roles) > 1 {
			t.Fatalf("page of %d roles", len(out.Roles))
		}
		for _, r := range out.Roles {
			roles = append(roles, aws.ToString(r.RoleName))
		}
	}
	if len(roles) < 5 || !has(roles, "sdk-role") {
		t.Fatalf("paginated roles %v", roles)
	}
	_, err = c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("sdk-role"), PolicyName: aws.String("p"), PolicyDocument: aws.String(readS3)})
	must(err)
	rp, err := c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("sdk-role"), PolicyName: aws.String("p")})
	must(err)
	if d, _ := url.QueryUnescape(aws.ToString(rp.PolicyDocument)); d != readS3 {
		t.Fatalf("GetRolePolicy document %q", d)
	}
	cp, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("sdk-policy"), PolicyDocument: aws.String(readS3)})
	must(err)
	_, err = c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("sdk-role"), PolicyArn: cp.Policy.Arn})
	must(err)
	ap, err := c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("sdk-role")})
	must(err)
	if len(ap.AttachedPolicies) != 1 || aws.ToString(ap.AttachedPolicies[0].PolicyName) != "sdk-policy" || ap.IsTruncated {
		t.Fatalf("attached %+v", ap)
	}
	sim, err := c.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{PolicySourceArn: cr.Role.Arn, ActionNames: []string{"s3:GetObject", "s3:PutObject"}})
	must(err)
	if len(sim.EvaluationResults) != 2 || sim.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed ||
		sim.EvaluationResults[1].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || len(sim.EvaluationResults[0].MatchedStatements) != 2 {
		t.Fatalf("simulation %+v", sim.EvaluationResults)
	}
	op, err := c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://sdk.example.com"), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{thumb}})
	must(err)
	gp, err := c.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn})
	must(err)
	if aws.ToString(gp.Url) != "sdk.example.com" || len(gp.ClientIDList) != 1 {
		t.Fatalf("provider %+v", gp)
	}
	_, err = c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("sdk-user")})
	must(err)
	ak, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("sdk-user")})
	must(err)
	if len(aws.ToString(ak.AccessKey.SecretAccessKey)) != 40 || ak.AccessKey.Status != iamtypes.StatusTypeActive {
		t.Fatalf("access key %+v", ak.AccessKey)
	}

	// Typed errors.
	_, err = c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("ghost")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || aws.ToString(nse.Message) != "The role with name ghost cannot be found." {
		t.Fatalf("GetRole ghost: %v", err)
	}
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("SDK-ROLE"), AssumeRolePolicyDocument: aws.String(trust)})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate role: %v", err)
	}
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("sdk-role")})
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("DeleteRole with policies: %v", err)
	}
	_, err = c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow"}]}`)})
	var malformed *iamtypes.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) {
		t.Fatalf("malformed policy: %v", err)
	}
	_, err = c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("sdk-user")})
	must(err)
	_, err = c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("sdk-user")})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("third access key: %v", err)
	}

	// Clean up.
	_, err = c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("sdk-role"), PolicyArn: cp.Policy.Arn})
	must(err)
	_, err = c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("sdk-role"), PolicyName: aws.String("p")})
	must(err)
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("sdk-role")})
	must(err)
	_, err = c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: cp.Policy.Arn})
	must(err)
	_, err = c.DeleteOpenIDConnectProvider(ctx, &awsiam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: op.OpenIDConnectProviderArn})
	must(err)
}
