package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/store"
)

// GetAccountAuthorizationDetailsInput is GetAccountAuthorizationDetails'
// input. Filter takes User, Role, Group, LocalManagedPolicy and
// AWSManagedPolicy; without it everything is listed.
type GetAccountAuthorizationDetailsInput struct {
	Filter   []string
	MaxItems *int32
	Marker   *string
}

// UserDetail is a user with its policies.
type UserDetail struct {
	Path                    string
	UserName                string
	UserId                  string //nolint:revive // AWS member name
	Arn                     string //nolint:revive // AWS member name
	CreateDate              awsquery.Time
	UserPolicyList          List[PolicyDetail]
	GroupList               List[string]
	AttachedManagedPolicies List[AttachedPolicy]
	PermissionsBoundary     *AttachedPermissionsBoundary `xml:",omitempty"`
	Tags                    List[Tag]                    `xml:",omitempty"`
}

// GroupDetail is a group with its policies (trustbridge has no groups).
type GroupDetail struct {
	Path                    string
	GroupName               string
	GroupId                 string //nolint:revive // AWS member name
	Arn                     string //nolint:revive // AWS member name
	CreateDate              awsquery.Time
	GroupPolicyList         List[PolicyDetail]
	AttachedManagedPolicies List[AttachedPolicy]
}

// InstanceProfile is an EC2 instance profile (trustbridge has none).
type InstanceProfile struct {
	Path                string
	InstanceProfileName string
	InstanceProfileId   string //nolint:revive // AWS member name
	Arn                 string //nolint:revive // AWS member name
	CreateDate          awsquery.Time
	Roles               List[Role]
}

// RoleDetail is a role with its policies; documents are URL-encoded.
type RoleDetail struct {
	Path                     string
	RoleName                 string
	RoleId                   string //nolint:revive // AWS member name
	Arn                      string //nolint:revive // AWS member name
	CreateDate               awsquery.Time
	AssumeRolePolicyDocument string
	InstanceProfileList      List[InstanceProfile]
	RolePolicyList           List[PolicyDetail]
	AttachedManagedPolicies  List[AttachedPolicy]
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:",omitempty"`
	Tags                     List[Tag]                    `xml:",omitempty"`
	RoleLastUsed             *RoleLastUsed                `xml:",omitempty"`
}

// ManagedPolicyDetail is a managed policy with all its versions.
type ManagedPolicyDetail struct {
	PolicyName                    string
	PolicyId                      string //nolint:revive // AWS member name
	Arn                           string //nolint:revive // AWS member name
	Path                          string
	DefaultVersionId              string //nolint:revive // AWS member name
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    awsquery.Time
	UpdateDate                    awsquery.Time
	PolicyVersionList             List[PolicyVersion]
}

// GetAccountAuthorizationDetailsResult is GetAccountAuthorizationDetails'
// result.
type GetAccountAuthorizationDetailsResult struct {
	UserDetailList  List[UserDetail]
	GroupDetailList List[GroupDetail]
	RoleDetailList  List[RoleDetail]
	Policies        List[ManagedPolicyDetail]
	IsTruncated     bool
	Marker          string `xml:",omitempty"`
}

// An authEntry is one entity of the combined list that
// GetAccountAuthorizationDetails pages through: users, then roles, then
// managed policies (customer ones, then AWS managed ones attached in the
// account).
type authEntry struct {
	kind string // "user", "role", "policy"
	key  string // name, or policy ARN
}

// getAccountAuthorizationDetails authorizes on "*" (the action has no
// resource type). Pages count users, roles and policies together.
func (s *Service) getAccountAuthorizationDetails(ctx context.Context, in *GetAccountAuthorizationDetailsInput) (*GetAccountAuthorizationDetailsResult, error) {
	c, err := s.begin(ctx, "GetAccountAuthorizationDetails")
	if err != nil {
		return nil, err
	}
	if err := c.authorize("*"); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, f := range in.Filter {
		want[f] = true
	}
	all := len(in.Filter) == 0
	var entries []authEntry
	if all || want["User"] {
		if err := pages(func(p store.Page) (string, error) {
			us, next, err := s.Store.ListUsers(ctx, c.account(), store.ListOptions{Page: p})
			for _, u := range us {
				entries = append(entries, authEntry{"user", u.Name})
			}
			return next, err
		}); err != nil {
			return nil, storeErr(err)
		}
	}
	if all || want["Role"] {
		if err := pages(func(p store.Page) (string, error) {
			rs, next, err := s.Store.ListRoles(ctx, c.account(), store.ListOptions{Page: p})
			for _, r := range rs {
				entries = append(entries, authEntry{"role", r.Name})
			}
			return next, err
		}); err != nil {
			return nil, storeErr(err)
		}
	}
	for _, scope := range []store.PolicyScope{store.ScopeLocal, store.ScopeAWS} {
		if !all && !(scope == store.ScopeLocal && want["LocalManagedPolicy"]) && !(scope == store.ScopeAWS && want["AWSManagedPolicy"]) {
			continue
		}
		if err := pages(func(p store.Page) (string, error) {
			ps, next, err := s.Store.ListPolicies(ctx, store.PolicyListOptions{ListOptions: store.ListOptions{Page: p}, Account: c.account(), Scope: scope, OnlyAttached: scope == store.ScopeAWS})
			for _, mp := range ps {
				entries = append(entries, authEntry{"policy", mp.ARN})
			}
			return next, err
		}); err != nil {
			return nil, storeErr(err)
		}
	}
	page, next, err := offsetPage(entries, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &GetAccountAuthorizationDetailsResult{
		UserDetailList: List[UserDetail]{}, GroupDetailList: List[GroupDetail]{}, RoleDetailList: List[RoleDetail]{}, Policies: List[ManagedPolicyDetail]{},
		IsTruncated: next != "", Marker: next,
	}
	for _, e := range page {
		if err := c.addDetail(out, e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pages calls list with successive pages until it returns no next marker.
func pages(list func(store.Page) (string, error)) error {
	p := store.Page{Limit: 1000}
	for {
		next, err := list(p)
		if err != nil || next == "" {
			return err
		}
		p.Marker = next
	}
}

// addDetail reads one entity's details into out. Entities deleted since
// they were listed are skipped.
func (c *call) addDetail(out *GetAccountAuthorizationDetailsResult, e authEntry) error {
	ctx, st, part := c.ctx, c.s.Store, c.partition()
	skip := func(err error) error {
		if err == nil || isNotFound(err) {
			return nil
		}
		return storeErr(err)
	}
	switch e.kind {
	case "user":
		u, err := st.GetUser(ctx, c.account(), e.key)
		if err != nil {
			return skip(err)
		}
		inline, attached, err := c.principalDetails(store.Principal{Kind: store.KindUser, Account: u.Account, Name: u.Name})
		if err != nil {
			return skip(err)
		}
		out.UserDetailList = append(out.UserDetailList, UserDetail{
			Path: u.Path, UserName: u.Name, UserId: u.UserID, Arn: arn.User(part, u.Account, u.Path, u.Name),
			CreateDate: awsquery.Time(u.CreateDate), UserPolicyList: inline, GroupList: List[string]{},
			AttachedManagedPolicies: attached, PermissionsBoundary: boundaryShape(u.PermissionsBoundaryARN), Tags: tagList(u.Tags),
		})
	case "role":
		r, err := st.GetRole(ctx, c.account(), e.key)
		if err != nil {
			return skip(err)
		}
		inline, attached, err := c.principalDetails(store.Principal{Kind: store.KindRole, Account: r.Account, Name: r.Name})
		if err != nil {
			return skip(err)
		}
		shape := roleShape(&r, part, true)
		out.RoleDetailList = append(out.RoleDetailList, RoleDetail{
			Path: r.Path, RoleName: r.Name, RoleId: r.RoleID, Arn: shape.Arn, CreateDate: shape.CreateDate,
			AssumeRolePolicyDocument: shape.AssumeRolePolicyDocument, InstanceProfileList: List[InstanceProfile]{},
			RolePolicyList: inline, AttachedManagedPolicies: attached,
			PermissionsBoundary: shape.PermissionsBoundary, Tags: shape.Tags, RoleLastUsed: shape.RoleLastUsed,
		})
	case "policy":
		mp, err := st.GetPolicy(ctx, e.key)
		if err != nil {
			return skip(err)
		}
		ps := policyShape(&mp, false)
		d := ManagedPolicyDetail{
			PolicyName: ps.PolicyName, PolicyId: ps.PolicyId, Arn: ps.Arn, Path: ps.Path, DefaultVersionId: ps.DefaultVersionId,
			AttachmentCount: ps.AttachmentCount, PermissionsBoundaryUsageCount: ps.PermissionsBoundaryUsageCount,
			IsAttachable: true, Description: ps.Description, CreateDate: ps.CreateDate, UpdateDate: ps.UpdateDate,
			PolicyVersionList: make(List[PolicyVersion], 0, len(mp.Versions)),
		}
		for i := range mp.Versions {
			d.PolicyVersionList = append(d.PolicyVersionList, versionShape(&mp.Versions[i], mp.DefaultVersionID, true))
		}
		out.Policies = append(out.Policies, d)
	}
	return nil
}

// principalDetails returns a user's or role's inline policies (documents
// URL-encoded) and attached policies.
func (c *call) principalDetails(owner store.Principal) (List[PolicyDetail], List[AttachedPolicy], error) {
	inline := List[PolicyDetail]{}
	err := pages(func(p store.Page) (string, error) {
		ps, next, err := c.s.Store.ListInlinePolicies(c.ctx, owner, p)
		for _, ip := range ps {
			inline = append(inline, PolicyDetail{PolicyName: ip.Name, PolicyDocument: EncodeDocument(ip.Document)})
		}
		return next, err
	})
	if err != nil {
		return nil, nil, err
	}
	attached := List[AttachedPolicy]{}
	err = pages(func(p store.Page) (string, error) {
		ps, next, err := c.s.Store.ListAttachedPolicies(c.ctx, owner, store.ListOptions{Page: p})
		attached = append(attached, attachedList(ps)...)
		return next, err
	})
	return inline, attached, err
}
