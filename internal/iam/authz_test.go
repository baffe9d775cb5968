package iam

import (
	"strings"
	"testing"
)

// minimal holds valid parameters for every implemented action, naming the
// entities seed creates, and the resource IAM authorizes the call on.
var minimal = map[string]struct {
	params   []string
	resource string
}{
	"CreateUser":                    {[]string{"UserName", "new", "Path", "/x/"}, "arn:aws:iam::" + acct + ":user/x/new"},
	"GetUser":                       {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"UpdateUser":                    {[]string{"UserName", "bob", "NewUserName", "bobby"}, "arn:aws:iam::" + acct + ":user/bob"},
	"DeleteUser":                    {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"ListUsers":                     {[]string{"PathPrefix", "/x/"}, "arn:aws:iam::" + acct + ":user/x/"},
	"TagUser":                       {[]string{"UserName", "bob", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, "arn:aws:iam::" + acct + ":user/bob"},
	"UntagUser":                     {[]string{"UserName", "bob", "TagKeys.member.1", "k"}, "arn:aws:iam::" + acct + ":user/bob"},
	"ListUserTags":                  {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"PutUserPermissionsBoundary":    {[]string{"UserName", "bob", "PermissionsBoundary", pARN}, "arn:aws:iam::" + acct + ":user/bob"},
	"DeleteUserPermissionsBoundary": {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"CreateAccessKey":               {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"DeleteAccessKey":               {[]string{"UserName", "bob", "AccessKeyId", "AKIAZZZZZZZZZZZZZZZZ"}, "arn:aws:iam::" + acct + ":user/bob"},
	"UpdateAccessKey":               {[]string{"UserName", "bob", "AccessKeyId", "AKIAZZZZZZZZZZZZZZZZ", "Status", "Inactive"}, "arn:aws:iam::" + acct + ":user/bob"},
	"ListAccessKeys":                {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"GetAccessKeyLastUsed":          {[]string{"AccessKeyId", "AKIAZZZZZZZZZZZZZZZZ"}, "arn:aws:iam::" + acct + ":user/"},
	"CreateRole":                    {[]string{"RoleName", "new", "Path", "/x/", "AssumeRolePolicyDocument", trustDoc}, "arn:aws:iam::" + acct + ":role/x/new"},
	"GetRole":                       {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"DeleteRole":                    {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"ListRoles":                     {nil, "arn:aws:iam::" + acct + ":role/"},
	"UpdateRole":                    {[]string{"RoleName", "app", "Description", "d"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"UpdateRoleDescription":         {[]string{"RoleName", "app", "Description", "d"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"UpdateAssumeRolePolicy":        {[]string{"RoleName", "app", "PolicyDocument", trustDoc}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"TagRole":                       {[]string{"RoleName", "app", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"UntagRole":                     {[]string{"RoleName", "app", "TagKeys.member.1", "k"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"ListRoleTags":                  {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"PutRolePermissionsBoundary":    {[]string{"RoleName", "app", "PermissionsBoundary", pARN}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"DeleteRolePermissionsBoundary": {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"PutRolePolicy":                 {[]string{"RoleName", "app", "PolicyName", "x", "PolicyDocument", s3ReadDoc}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"GetRolePolicy":                 {[]string{"RoleName", "app", "PolicyName", "inline"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"DeleteRolePolicy":              {[]string{"RoleName", "app", "PolicyName", "inline"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"ListRolePolicies":              {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"PutUserPolicy":                 {[]string{"UserName", "bob", "PolicyName", "x", "PolicyDocument", s3ReadDoc}, "arn:aws:iam::" + acct + ":user/bob"},
	"GetUserPolicy":                 {[]string{"UserName", "bob", "PolicyName", "x"}, "arn:aws:iam::" + acct + ":user/bob"},
	"DeleteUserPolicy":              {[]string{"UserName", "bob", "PolicyName", "x"}, "arn:aws:iam::" + acct + ":user/bob"},
	"ListUserPolicies":              {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"CreatePolicy":                  {[]string{"PolicyName", "Q", "Path", "/x/", "PolicyDocument", s3ReadDoc}, "arn:aws:iam::" + acct + ":policy/x/Q"},
	"GetPolicy":                     {[]string{"PolicyArn", pARN}, pARN},
	"DeletePolicy":                  {[]string{"PolicyArn", pARN}, pARN},
	"ListPolicies":                  {nil, "arn:aws:iam::" + acct + ":policy/"},
	"CreatePolicyVersion":           {[]string{"PolicyArn", pARN, "PolicyDocument", s3ReadDoc}, pARN},
	"GetPolicyVersion":              {[]string{"PolicyArn", pARN, "VersionId", "v1"}, pARN},
	"DeletePolicyVersion":           {[]string{"PolicyArn", pARN, "VersionId", "v1"}, pARN},
	"ListPolicyVersions":            {[]string{"PolicyArn", pARN}, pARN},
	"SetDefaultPolicyVersion":       {[]string{"PolicyArn", pARN, "VersionId", "v1"}, pARN},
	"TagPolicy":                     {[]string{"PolicyArn", pARN, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, pARN},
	"UntagPolicy":                   {[]string{"PolicyArn", pARN, "TagKeys.member.1", "k"}, pARN},
	"ListPolicyTags":                {[]string{"PolicyArn", pARN}, pARN},
	"ListEntitiesForPolicy":         {[]string{"PolicyArn", pARN}, pARN},
	"AttachRolePolicy":              {[]string{"RoleName", "app", "PolicyArn", pARN}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"DetachRolePolicy":              {[]string{"RoleName", "app", "PolicyArn", pARN}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"ListAttachedRolePolicies":      {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"AttachUserPolicy":              {[]string{"UserName", "bob", "PolicyArn", pARN}, "arn:aws:iam::" + acct + ":user/bob"},
	"DetachUserPolicy":              {[]string{"UserName", "bob", "PolicyArn", pARN}, "arn:aws:iam::" + acct + ":user/bob"},
	"ListAttachedUserPolicies":      {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},

	"CreateOpenIDConnectProvider":             {[]string{"Url", "https://new.example.com/a"}, "arn:aws:iam::" + acct + ":oidc-provider/new.example.com/a"},
	"GetOpenIDConnectProvider":                {[]string{"OpenIDConnectProviderArn", oidcA}, oidcA},
	"ListOpenIDConnectProviders":              {nil, "*"},
	"DeleteOpenIDConnectProvider":             {[]string{"OpenIDConnectProviderArn", oidcA}, oidcA},
	"AddClientIDToOpenIDConnectProvider":      {[]string{"OpenIDConnectProviderArn", oidcA, "ClientID", "c"}, oidcA},
	"RemoveClientIDFromOpenIDConnectProvider": {[]string{"OpenIDConnectProviderArn", oidcA, "ClientID", "c"}, oidcA},
	"UpdateOpenIDConnectProviderThumbprint":   {[]string{"OpenIDConnectProviderArn", oidcA, "ThumbprintList.member.1", strings.Repeat("a", 40)}, oidcA},
	"TagOpenIDConnectProvider":                {[]string{"OpenIDConnectProviderArn", oidcA, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, oidcA},
	"UntagOpenIDConnectProvider":              {[]string{"OpenIDConnectProviderArn", oidcA, "TagKeys.member.1", "k"}, oidcA},
	"ListOpenIDConnectProviderTags":           {[]string{"OpenIDConnectProviderArn", oidcA}, oidcA},

	"SimulateCustomPolicy":           {[]string{"PolicyInputList.member.1", s3ReadDoc, "ActionNames.member.1", "s3:GetObject"}, "*"},
	"SimulatePrincipalPolicy":        {[]string{"PolicySourceArn", "arn:aws:iam::" + acct + ":role/svc/app", "ActionNames.member.1", "s3:GetObject"}, "arn:aws:iam::" + acct + ":role/svc/app"},
	"GetAccountAuthorizationDetails": {nil, "*"},
	"ListGroups":                     {nil, "arn:aws:iam::" + acct + ":group/"},
	"ListGroupsForUser":              {[]string{"UserName", "bob"}, "arn:aws:iam::" + acct + ":user/bob"},
	"ListInstanceProfiles":           {nil, "arn:aws:iam::" + acct + ":instance-profile/"},
	"ListInstanceProfilesForRole":    {[]string{"RoleName", "app"}, "arn:aws:iam::" + acct + ":role/svc/app"},
}

// TestAccessDenied calls every implemented action as a user without
// permissions: each is denied with AWS's message naming the iam: action
// and the resource IAM authorizes it on, and nothing changes.
func TestAccessDenied(t *testing.T) {
	e, _ := seed(t)
	nobody := e.userCaller("nobody")
	for name := range implemented(e) {
		if _, ok := minimal[name]; !ok {
			t.Errorf("no minimal parameters for %s", name)
		}
	}
	for name, m := range minimal {
		t.Run(name, func(t *testing.T) {
			_, err := e.call(nobody, name, m.params...)
			want := "User: arn:aws:iam::" + acct + ":user/nobody is not authorized to perform: iam:" + name + " on resource: " + m.resource +
				" because no identity-based policy allows the iam:" + name + " action"
			wantAPIError(t, err, "AccessDenied", 403, want)
			// The account root may do anything in its account: the same
			// call gets past authorization.
			if _, err := e.call(rootOf(acct), name, m.params...); err != nil {
				if ae, ok := asAPIError(err); ok && ae.Code == "AccessDenied" {
					t.Fatalf("root denied: %v", err)
				}
			}
		})
	}
}

// TestAccessDeniedForMissingEntities: a caller without permission gets
// AccessDenied, not NoSuchEntity, for entities that do not exist.
func TestAccessDeniedForMissingEntities(t *testing.T) {
	e, _ := seed(t)
	nobody := e.userCaller("nobody")
	for _, tt := range []struct{ action, resource string }{
		{"GetRole", "arn:aws:iam::" + acct + ":role/ghost"},
		{"GetUser", "arn:aws:iam::" + acct + ":user/ghost"},
		{"DeleteRole", "arn:aws:iam::" + acct + ":role/ghost"},
		{"GetRolePolicy", "arn:aws:iam::" + acct + ":role/ghost"},
	} {
		params := []string{"RoleName", "ghost"}
		if strings.Contains(tt.action, "User") {
			params = []string{"UserName", "ghost"}
		}
		if tt.action == "GetRolePolicy" {
			params = append(params, "PolicyName", "x")
		}
		_, err := e.call(nobody, tt.action, params...)
		wantAPIError(t, err, "AccessDenied", 403, "")
		contains(t, err.Error(), "on resource: "+tt.resource+" ")
	}
}

func TestIdentityPolicies(t *testing.T) {
	e, _ := seed(t)
	e.root("CreateUser", "UserName", "alice")
	e.root("CreateRole", "RoleName", "other", "AssumeRolePolicyDocument", trustDoc)
	e.grant("alice", "read-svc", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:GetRole","iam:ListRoles"],"Resource":"arn:aws:iam::*:role/svc/*"},
		{"Effect":"Allow","Action":"iam:ListRoles","Resource":"arn:aws:iam::*:role/"},
		{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:role/sandbox/*"},
		{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"},
		{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"`+pARN+`"}}},
		{"Effect":"Allow","Action":"iam:UpdateRole","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}},
		{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}
	]}`)
	alice := e.userCaller("alice")
	ok := func(action string, params ...string) {
		t.Helper()
		if _, err := e.call(alice, action, params...); err != nil {
			t.Fatalf("%s %v: %v", action, params, err)
		}
	}
	denied := func(action, msgPart string, params ...string) {
		t.Helper()
		_, err := e.call(alice, action, params...)
		wantAPIError(t, err, "AccessDenied", 403, "")
		contains(t, err.Error(), msgPart)
	}
	ok("GetRole", "RoleName", "app")
	denied("GetRole", "no identity-based policy allows", "RoleName", "other")
	ok("ListRoles")
	ok("ListRoles", "PathPrefix", "/svc/")
	denied("ListRoles", "role/other/", "PathPrefix", "/other/")
	ok("CreateRole", "RoleName", "box", "Path", "/sandbox/", "AssumeRolePolicyDocument", trustDoc)
	ok("GetRole", "RoleName", "box")
	denied("DeleteRole", "with an explicit deny in an identity-based policy", "RoleName", "box")
	ok("AttachRolePolicy", "RoleName", "other", "PolicyArn", pARN)
	denied("AttachRolePolicy", "iam:AttachRolePolicy", "RoleName", "other", "PolicyArn", awsRO)
	ok("UpdateRole", "RoleName", "app", "Description", "tagged prod")
	denied("UpdateRole", "iam:UpdateRole", "RoleName", "other", "Description", "untagged")
	ok("GetUser")
	ok("GetUser", "UserName", "alice")
	denied("GetUser", "user/bob", "UserName", "bob")
}
