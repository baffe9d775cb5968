package iam

import (
	"context"
	"testing"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// TestGolden drives every action once, in an order that builds up an
// account, and checks each XML response against testdata/golden/ (IDs and
// secrets normalized). Run with -update to rewrite the files.
func TestGolden(t *testing.T) {
	e := newEnv(t)
	var keyID string
	const policyARN = "arn:aws:iam::" + acct + ":policy/team/S3Read"
	const providerARN = "arn:aws:iam::" + acct + ":oidc-provider/oidc.example.com/id/ABC"
	steps := []struct {
		name   string // golden file; "" to run without recording
		action string
		params func() []string
	}{
		{"CreateUser", "CreateUser", p("UserName", "alice", "Path", "/dev/", "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue", "Tags.member.2.Key", "Cost", "Tags.member.2.Value", "42")},
		{"GetUser", "GetUser", p("UserName", "ALICE")},
		{"GetUser_root", "GetUser", p()},
		{"ListUsers", "ListUsers", p()},
		{"ListUsers_empty", "ListUsers", p("PathPrefix", "/nobody/")},
		{"UpdateUser", "UpdateUser", p("UserName", "alice", "NewPath", "/eng/")},
		{"TagUser", "TagUser", p("UserName", "alice", "Tags.member.1.Key", "TEAM", "Tags.member.1.Value", "red")},
		{"ListUserTags", "ListUserTags", p("UserName", "alice")},
		{"UntagUser", "UntagUser", p("UserName", "alice", "TagKeys.member.1", "cost")},
		{"CreateAccessKey", "CreateAccessKey", p("UserName", "alice")},
		{"ListAccessKeys", "ListAccessKeys", p("UserName", "alice")},
		{"GetAccessKeyLastUsed", "GetAccessKeyLastUsed", func() []string { return []string{"AccessKeyId", keyID} }},
		{"UpdateAccessKey", "UpdateAccessKey", func() []string { return []string{"UserName", "alice", "AccessKeyId", keyID, "Status", "Inactive"} }},
		{"CreateRole", "CreateRole", p("RoleName", "app", "Path", "/svc/", "AssumeRolePolicyDocument", trustDoc, "Description", "the app", "MaxSessionDuration", "7200", "Tags.member.1.Key", "env", "Tags.member.1.Value", "prod")},
		{"GetRole", "GetRole", p("RoleName", "app")},
		{"ListRoles", "ListRoles", p()},
		{"UpdateRole", "UpdateRole", p("RoleName", "app", "MaxSessionDuration", "3600")},
		{"UpdateRoleDescription", "UpdateRoleDescription", p("RoleName", "app", "Description", "the app, v2")},
		{"UpdateAssumeRolePolicy", "UpdateAssumeRolePolicy", p("RoleName", "app", "PolicyDocument", trustDoc)},
		{"TagRole", "TagRole", p("RoleName", "app", "Tags.member.1.Key", "owner", "Tags.member.1.Value", "alice")},
		{"ListRoleTags", "ListRoleTags", p("RoleName", "app")},
		{"UntagRole", "UntagRole", p("RoleName", "app", "TagKeys.member.1", "owner")},
		{"PutRolePolicy", "PutRolePolicy", p("RoleName", "app", "PolicyName", "s3read", "PolicyDocument", s3ReadDoc)},
		{"GetRolePolicy", "GetRolePolicy", p("RoleName", "APP", "PolicyName", "S3Read")},
		{"ListRolePolicies", "ListRolePolicies", p("RoleName", "app")},
		{"PutUserPolicy", "PutUserPolicy", p("UserName", "alice", "PolicyName", "self", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}}`)},
		{"GetUserPolicy", "GetUserPolicy", p("UserName", "alice", "PolicyName", "self")},
		{"ListUserPolicies", "ListUserPolicies", p("UserName", "alice")},
		{"CreatePolicy", "CreatePolicy", p("PolicyName", "S3Read", "Path", "/team/", "PolicyDocument", s3ReadDoc, "Description", "read S3", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v")},
		{"GetPolicy", "GetPolicy", p("PolicyArn", policyARN)},
		{"CreatePolicyVersion", "CreatePolicyVersion", p("PolicyArn", policyARN, "PolicyDocument", s3ReadDoc, "SetAsDefault", "true")},
		{"GetPolicyVersion", "GetPolicyVersion", p("PolicyArn", policyARN, "VersionId", "v1")},
		{"ListPolicyVersions", "ListPolicyVersions", p("PolicyArn", policyARN)},
		{"SetDefaultPolicyVersion", "SetDefaultPolicyVersion", p("PolicyArn", policyARN, "VersionId", "v1")},
		{"DeletePolicyVersion", "DeletePolicyVersion", p("PolicyArn", policyARN, "VersionId", "v2")},
		{"ListPolicies", "ListPolicies", p("Scope", "Local")},
		{"TagPolicy", "TagPolicy", p("PolicyArn", policyARN, "Tags.member.1.Key", "K", "Tags.member.1.Value", "upper")},
		{"ListPolicyTags", "ListPolicyTags", p("PolicyArn", policyARN)},
		{"UntagPolicy", "UntagPolicy", p("PolicyArn", policyARN, "TagKeys.member.1", "K")},
		{"AttachRolePolicy", "AttachRolePolicy", p("RoleName", "app", "PolicyArn", policyARN)},
		{"ListAttachedRolePolicies", "ListAttachedRolePolicies", p("RoleName", "app")},
		{"AttachUserPolicy", "AttachUserPolicy", p("UserName", "alice", "PolicyArn", policyARN)},
		{"ListAttachedUserPolicies", "ListAttachedUserPolicies", p("UserName", "alice")},
		{"ListEntitiesForPolicy", "ListEntitiesForPolicy", p("PolicyArn", policyARN)},
		{"PutRolePermissionsBoundary", "PutRolePermissionsBoundary", p("RoleName", "app", "PermissionsBoundary", policyARN)},
		{"GetRole_boundary", "GetRole", p("RoleName", "app")},
		{"PutUserPermissionsBoundary", "PutUserPermissionsBoundary", p("UserName", "alice", "PermissionsBoundary", policyARN)},
		{"CreateOpenIDConnectProvider", "CreateOpenIDConnectProvider", p("Url", "https://oidc.example.com/id/ABC", "ClientIDList.member.1", "sts.amazonaws.com", "ThumbprintList.member.1", "9e99a48a9960b14926bb7f3b02e22da2b0ab7280", "Tags.member.1.Key", "cluster", "Tags.member.1.Value", "dev")},
		{"GetOpenIDConnectProvider", "GetOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN)},
		{"ListOpenIDConnectProviders", "ListOpenIDConnectProviders", p()},
		{"AddClientIDToOpenIDConnectProvider", "AddClientIDToOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN, "ClientID", "my-app")},
		{"RemoveClientIDFromOpenIDConnectProvider", "RemoveClientIDFromOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN, "ClientID", "sts.amazonaws.com")},
		{"UpdateOpenIDConnectProviderThumbprint", "UpdateOpenIDConnectProviderThumbprint", p("OpenIDConnectProviderArn", providerARN, "ThumbprintList.member.1", "0000000000000000000000000000000000000000")},
		{"TagOpenIDConnectProvider", "TagOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN, "Tags.member.1.Key", "a", "Tags.member.1.Value", "b")},
		{"UntagOpenIDConnectProvider", "UntagOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN, "TagKeys.member.1", "cluster")},
		{"ListOpenIDConnectProviderTags", "ListOpenIDConnectProviderTags", p("OpenIDConnectProviderArn", providerARN)},
		{"GetOpenIDConnectProvider_updated", "GetOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN)},
		{"SimulateCustomPolicy", "SimulateCustomPolicy", p("PolicyInputList.member.1", s3ReadDoc, "ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:PutObject")},
		{"SimulateCustomPolicy_resources", "SimulateCustomPolicy", p(
			"PolicyInputList.member.1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::prod/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"ops"}}}]}`,
			"PermissionsBoundaryPolicyInputList.member.1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
			"ActionNames.member.1", "s3:DeleteObject", "ResourceArns.member.1", "arn:aws:s3:::prod/a", "ResourceArns.member.2", "arn:aws:s3:::dev/a")},
		{"SimulatePrincipalPolicy", "SimulatePrincipalPolicy", p("PolicySourceArn", "arn:aws:iam::"+acct+":role/svc/app", "ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "iam:CreateUser")},
		{"GetAccountAuthorizationDetails", "GetAccountAuthorizationDetails", p("Filter.member.1", "User", "Filter.member.2", "Role", "Filter.member.3", "LocalManagedPolicy")},
		{"ListGroups", "ListGroups", p()},
		{"ListGroupsForUser", "ListGroupsForUser", p("UserName", "alice")},
		{"ListInstanceProfiles", "ListInstanceProfiles", p()},
		{"ListInstanceProfilesForRole", "ListInstanceProfilesForRole", p("RoleName", "app")},
		{"DeleteRolePermissionsBoundary", "DeleteRolePermissionsBoundary", p("RoleName", "app")},
		{"DeleteUserPermissionsBoundary", "DeleteUserPermissionsBoundary", p("UserName", "alice")},
		{"DetachRolePolicy", "DetachRolePolicy", p("RoleName", "app", "PolicyArn", policyARN)},
		{"DetachUserPolicy", "DetachUserPolicy", p("UserName", "alice", "PolicyArn", policyARN)},
		{"DeleteRolePolicy", "DeleteRolePolicy", p("RoleName", "app", "PolicyName", "s3read")},
		{"DeleteUserPolicy", "DeleteUserPolicy", p("UserName", "alice", "PolicyName", "self")},
		{"DeletePolicy", "DeletePolicy", p("PolicyArn", policyARN)},
		{"DeleteRole", "DeleteRole", p("RoleName", "app")},
		{"DeleteAccessKey", "DeleteAccessKey", func() []string { return []string{"UserName", "alice", "AccessKeyId", keyID} }},
		{"DeleteUser", "DeleteUser", p("UserName", "alice")},
		{"DeleteOpenIDConnectProvider", "DeleteOpenIDConnectProvider", p("OpenIDConnectProviderArn", providerARN)},
		{"ListRoles_empty", "ListRoles", p()},
	}
	seen := map[string]bool{}
	for _, st := range steps {
		out := e.root(st.action, st.params()...)
		seen[st.action] = true
		if k, ok := out.(*CreateAccessKeyResult); ok {
			keyID = k.AccessKey.AccessKeyId
		}
		golden(t, st.name, e.render(st.action, out))
	}
	// Every implemented action appears in the script.
	for name := range implemented(e) {
		if !seen[name] {
			t.Errorf("action %s has no golden step", name)
		}
	}
}

func p(kv ...string) func() []string { return func() []string { return kv } }

// implemented returns the names of the actions with a real handler.
func implemented(e *env) map[string]bool {
	out := map[string]bool{}
	for name, a := range e.q.Actions {
		_, err := a.Handle(context.Background(), a.New())
		if ae, ok := apierror.As(err); ok && ae.Code == "NotImplemented" {
			continue
		}
		out[name] = true
	}
	return out
}
