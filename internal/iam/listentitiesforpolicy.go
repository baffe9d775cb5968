package iam

import (
	"context"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListEntitiesForPolicyInput is ListEntitiesForPolicy's input.
// PolicyUsageFilter is accepted and not applied.
type ListEntitiesForPolicyInput struct {
	PolicyArn         string //nolint:revive // AWS member name
	EntityFilter      *string
	PathPrefix        *string
	PolicyUsageFilter *string
	Marker            *string
	MaxItems          *int32
}

// PolicyGroup is a group a policy is attached to (trustbridge has none).
type PolicyGroup struct {
	GroupName string
	GroupId   string //nolint:revive // AWS member name
}

// PolicyUser is a user a policy is attached to.
type PolicyUser struct {
	UserName string
	UserId   string //nolint:revive // AWS member name
}

// PolicyRole is a role a policy is attached to.
type PolicyRole struct {
	RoleName string
	RoleId   string //nolint:revive // AWS member name
}

// ListEntitiesForPolicyResult is ListEntitiesForPolicy's result.
type ListEntitiesForPolicyResult struct {
	PolicyGroups List[PolicyGroup]
	PolicyUsers  List[PolicyUser]
	PolicyRoles  List[PolicyRole]
	IsTruncated  bool
	Marker       string `xml:",omitempty"`
}

// listEntitiesForPolicy lists the caller's account's users and roles the
// policy is attached to. A page may hold fewer than MaxItems entities (an
// AWS managed policy is attached in other accounts too); IsTruncated says
// whether more follow, as IAM allows.
func (s *Service) listEntitiesForPolicy(ctx context.Context, in *ListEntitiesForPolicyInput) (*ListEntitiesForPolicyResult, error) {
	c, err := s.begin(ctx, "ListEntitiesForPolicy", "policyArn", in.PolicyArn, "entityFilter", str(in.EntityFilter))
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, true)
	if err != nil {
		return nil, err
	}
	filter := str(in.EntityFilter)
	prefix := pathPrefix(in.PathPrefix)
	out := &ListEntitiesForPolicyResult{PolicyGroups: List[PolicyGroup]{}, PolicyUsers: List[PolicyUser]{}, PolicyRoles: List[PolicyRole]{}}
	if filter == "Group" || filter == "LocalManagedPolicy" && p.Account == store.AWSAccount || filter == "AWSManagedPolicy" && p.Account != store.AWSAccount {
		return out, nil
	}
	es, next, err := s.Store.ListPolicyEntities(ctx, p.ARN, storePage(in.Marker, in.MaxItems))
	if err != nil {
		return nil, storeErr(err)
	}
	for _, e := range es {
		if e.Account != c.account() {
			continue
		}
		switch {
		case e.Kind == store.KindUser && (filter == "" || filter == "User" || strings.HasSuffix(filter, "ManagedPolicy")):
			if prefix != "/" {
				u, err := s.Store.GetUser(ctx, e.Account, e.Name)
				if err != nil || !strings.HasPrefix(u.Path, prefix) {
					continue
				}
			}
			out.PolicyUsers = append(out.PolicyUsers, PolicyUser{UserName: e.Name, UserId: e.ID})
		case e.Kind == store.KindRole && (filter == "" || filter == "Role" || strings.HasSuffix(filter, "ManagedPolicy")):
			if prefix != "/" {
				r, err := s.Store.GetRole(ctx, e.Account, e.Name)
				if err != nil || !strings.HasPrefix(r.Path, prefix) {
					continue
				}
			}
			out.PolicyRoles = append(out.PolicyRoles, PolicyRole{RoleName: e.Name, RoleId: e.ID})
		}
	}
	out.IsTruncated, out.Marker = next != "", next
	return out, nil
}
