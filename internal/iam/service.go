package iam

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// Namespace is IAM's XML namespace.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// EventSource is IAM's service host, as audit events name it.
const EventSource = "iam.amazonaws.com"

// Service is the IAM API. All fields but Partition and Now are required.
// A Service is safe for concurrent use once built.
type Service struct {
	// Store holds the IAM state; handlers write to it directly.
	Store store.Store
	// Cache serves the hot reads (GetRole, GetUser, the authorizer's
	// policy reads); Invalidate is called after every successful write.
	Cache *storecache.Cache
	// Authz authorizes every call.
	Authz *authz.Authorizer
	// Ring seals new secret access keys before they are stored.
	Ring *serverkey.Ring
	// Partition of the ARNs built; "aws" if empty.
	Partition string
	// Now is the clock for creation dates; time.Now if nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) partition() string {
	if s.Partition == "" {
		return arn.DefaultPartition
	}
	return s.Partition
}

// invalidate tells the cache (and through it the authorizer and the
// authenticator) that this process has written to the store.
func (s *Service) invalidate() {
	if s.Cache != nil {
		s.Cache.Invalidate()
	}
}

// Query returns the Query-protocol service with every action registered.
// Actions of the IAM model that trustbridge does not implement answer 501
// NotImplemented (after authentication and model validation) rather than
// InvalidAction, so clients see that the operation exists.
func (s *Service) Query() *awsquery.Service {
	q := &awsquery.Service{Name: "iam", Version: APIVersion, Namespace: Namespace, Operations: operations}

	register(q, "CreateUser", s.createUser)
	register(q, "GetUser", s.getUser)
	register(q, "UpdateUser", s.updateUser)
	register(q, "DeleteUser", s.deleteUser)
	register(q, "ListUsers", s.listUsers)
	register(q, "TagUser", s.tagUser)
	register(q, "UntagUser", s.untagUser)
	register(q, "ListUserTags", s.listUserTags)
	register(q, "PutUserPermissionsBoundary", s.putUserPermissionsBoundary)
	register(q, "DeleteUserPermissionsBoundary", s.deleteUserPermissionsBoundary)

	register(q, "CreateAccessKey", s.createAccessKey)
	register(q, "DeleteAccessKey", s.deleteAccessKey)
	register(q, "UpdateAccessKey", s.updateAccessKey)
	register(q, "ListAccessKeys", s.listAccessKeys)
	register(q, "GetAccessKeyLastUsed", s.getAccessKeyLastUsed)

	register(q, "CreateRole", s.createRole)
	register(q, "GetRole", s.getRole)
	register(q, "DeleteRole", s.deleteRole)
	register(q, "ListRoles", s.listRoles)
	register(q, "UpdateRole", s.updateRole)
	register(q, "UpdateRoleDescription", s.updateRoleDescription)
	register(q, "UpdateAssumeRolePolicy", s.updateAssumeRolePolicy)
	register(q, "TagRole", s.tagRole)
	register(q, "UntagRole", s.untagRole)
	register(q, "ListRoleTags", s.listRoleTags)
	register(q, "PutRolePermissionsBoundary", s.putRolePermissionsBoundary)
	register(q, "DeleteRolePermissionsBoundary", s.deleteRolePermissionsBoundary)

	register(q, "PutRolePolicy", s.putRolePolicy)
	register(q, "GetRolePolicy", s.getRolePolicy)
	register(q, "DeleteRolePolicy", s.deleteRolePolicy)
	register(q, "ListRolePolicies", s.listRolePolicies)
	register(q, "PutUserPolicy", s.putUserPolicy)
	register(q, "GetUserPolicy", s.getUserPolicy)
	register(q, "DeleteUserPolicy", s.deleteUserPolicy)
	register(q, "ListUserPolicies", s.listUserPolicies)

	register(q, "CreatePolicy", s.createPolicy)
	register(q, "GetPolicy", s.getPolicy)
	register(q, "DeletePolicy", s.deletePolicy)
	register(q, "ListPolicies", s.listPolicies)
	register(q, "CreatePolicyVersion", s.createPolicyVersion)
	register(q, "GetPolicyVersion", s.getPolicyVersion)
	register(q, "DeletePolicyVersion", s.deletePolicyVersion)
	register(q, "ListPolicyVersions", s.listPolicyVersions)
	register(q, "SetDefaultPolicyVersion", s.setDefaultPolicyVersion)
	register(q, "TagPolicy", s.tagPolicy)
	register(q, "UntagPolicy", s.untagPolicy)
	register(q, "ListPolicyTags", s.listPolicyTags)
	register(q, "ListEntitiesForPolicy", s.listEntitiesForPolicy)

	register(q, "AttachRolePolicy", s.attachRolePolicy)
	register(q, "DetachRolePolicy", s.detachRolePolicy)
	register(q, "ListAttachedRolePolicies", s.listAttachedRolePolicies)
	register(q, "AttachUserPolicy", s.attachUserPolicy)
	register(q, "DetachUserPolicy", s.detachUserPolicy)
	register(q, "ListAttachedUserPolicies", s.listAttachedUserPolicies)

	register(q, "CreateOpenIDConnectProvider", s.createOpenIDConnectProvider)
	register(q, "GetOpenIDConnectProvider", s.getOpenIDConnectProvider)
	register(q, "ListOpenIDConnectProviders", s.listOpenIDConnectProviders)
	register(q, "DeleteOpenIDConnectProvider", s.deleteOpenIDConnectProvider)
	register(q, "AddClientIDToOpenIDConnectProvider", s.addClientIDToOpenIDConnectProvider)
	register(q, "RemoveClientIDFromOpenIDConnectProvider", s.removeClientIDFromOpenIDConnectProvider)
	register(q, "UpdateOpenIDConnectProviderThumbprint", s.updateOpenIDConnectProviderThumbprint)
	register(q, "TagOpenIDConnectProvider", s.tagOpenIDConnectProvider)
	register(q, "UntagOpenIDConnectProvider", s.untagOpenIDConnectProvider)
	register(q, "ListOpenIDConnectProviderTags", s.listOpenIDConnectProviderTags)

	register(q, "SimulateCustomPolicy", s.simulateCustomPolicy)
	register(q, "SimulatePrincipalPolicy", s.simulatePrincipalPolicy)
	register(q, "GetAccountAuthorizationDetails", s.getAccountAuthorizationDetails)

	// Groups and instance profiles do not exist in trustbridge; the listing
	// calls that tools make before deleting a user or role answer with
	// empty lists so those deletions work.
	register(q, "ListGroups", s.listGroups)
	register(q, "ListGroupsForUser", s.listGroupsForUser)
	register(q, "ListInstanceProfiles", s.listInstanceProfiles)
	register(q, "ListInstanceProfilesForRole", s.listInstanceProfilesForRole)

	names := make([]string, 0, len(operations))
	for name := range operations {
		if _, ok := q.Actions[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		q.Register(&awsquery.Action{Name: name, New: func() any { return &struct{}{} }, Handle: notImplemented(name)})
	}
	return q
}

// noResult is the result type of actions whose response has no Result
// element; their handlers return a nil *noResult.
type noResult struct{}

// register adds an action whose handler takes its typed input and returns
// its typed result (nil for actions without a result element).
func register[In, Out any](q *awsquery.Service, name string, h func(context.Context, *In) (*Out, error)) {
	q.Register(&awsquery.Action{
		Name: name,
		New:  func() any { return new(In) },
		Handle: func(ctx context.Context, in any) (any, error) {
			out, err := h(ctx, in.(*In))
			if err != nil || out == nil {
				return nil, err
			}
			return out, nil
		},
	})
}

func notImplemented(action string) awsquery.Handler {
	return func(context.Context, any) (any, error) {
		return nil, &apierror.Error{Code: "NotImplemented", Message: "trustbridge does not implement " + action + ".", Status: http.StatusNotImplemented}
	}
}

// A condition adds request-specific condition keys to an authorization.
type condition = func(*policy.Context)

// A call is one request being served: the authenticated caller, the
// account it acts on and the audit parameters.
type call struct {
	s      *Service
	ctx    context.Context
	caller *auth.Caller
	action string // the API action, e.g. "GetRole"
	params map[string]any
}

// begin starts serving action for the caller in ctx. params are key/value
// pairs of non-secret request parameters for the audit event.
func (s *Service) begin(ctx context.Context, action string, params ...string) (*call, error) {
	c := auth.FromContext(ctx)
	if c == nil || c.Principal.Account == "" {
		return nil, apierror.MissingAuthenticationToken()
	}
	m := make(map[string][]string, len(params)/2)
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			m[params[i]] = []string{params[i+1]}
		}
	}
	return &call{s: s, ctx: ctx, caller: c, action: action, params: audit.Sanitize(m)}, nil
}

// account is the account the call acts on: the caller's.
func (c *call) account() string { return c.caller.Principal.Account }

func (c *call) partition() string { return c.s.partition() }

// authorize authorizes iam:<action> on resource in the caller's account.
func (c *call) authorize(resource string, extra ...condition) error {
	return c.authorizeIn(resource, "", extra...)
}

// authorizeIn authorizes iam:<action> on resource owned by
// resourceAccount ("" for the caller's account). A resource in another
// account is denied unless something outside IAM's identity policies
// allowed it, which for IAM resources nothing does.
func (c *call) authorizeIn(resource, resourceAccount string, extra ...condition) error {
	if c.s.Authz == nil {
		return apierror.Internal()
	}
	if resourceAccount == c.account() {
		resourceAccount = ""
	}
	req := authz.Request{
		Action: "iam:" + c.action, Resource: resource, ResourceAccount: resourceAccount,
		Event: c.action, Service: EventSource, Params: c.params,
	}
	if len(extra) > 0 {
		req.Context = func(pc *policy.Context) {
			for _, f := range extra {
				if f != nil {
					f(pc)
				}
			}
		}
	}
	return c.s.Authz.Authorize(c.ctx, c.caller, req)
}

// isRoleSession reports whether the caller is a role session (or anything
// else that is neither a user nor an account root).
func (c *call) isRoleSession() bool {
	t := c.caller.Principal.Type
	return t != policy.User && t != policy.Root
}

// selfUser returns the user name an action applies to when UserName is
// omitted: the calling user, "" for the account root, and AWS's
// ValidationError for role sessions.
func (c *call) selfUser(name *string) (string, error) {
	if name != nil {
		return *name, nil
	}
	if c.isRoleSession() {
		return "", errNonUserCredentials()
	}
	if c.caller.Principal.Type == policy.Root {
		return "", nil
	}
	return c.caller.UserName, nil
}

// resourceTags adds aws:ResourceTag/ and iam:ResourceTag/ keys for tags.
func resourceTags(tags map[string]string) condition {
	if len(tags) == 0 {
		return nil
	}
	return func(pc *policy.Context) {
		for k, v := range tags {
			pc.Set("aws:ResourceTag/"+k, v)
			pc.Set("iam:ResourceTag/"+k, v)
		}
	}
}

// requestTags adds aws:RequestTag/ keys and aws:TagKeys for tags in a request.
func requestTags(tags []Tag) condition {
	if len(tags) == 0 {
		return nil
	}
	return func(pc *policy.Context) {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			pc.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		pc.SetMulti("aws:TagKeys", keys)
	}
}

// tagKeysContext adds aws:TagKeys for the keys an Untag* request removes.
func tagKeysContext(keys []string) condition {
	if len(keys) == 0 {
		return nil
	}
	return func(pc *policy.Context) { pc.SetMulti("aws:TagKeys", keys) }
}

// set adds one condition key.
func set(key, value string) condition {
	return func(pc *policy.Context) { pc.Set(key, value) }
}

// role loads a role the call acts on and authorizes the call on its ARN.
// When the role does not exist the call is authorized on the ARN without a
// path and then answered with NoSuchEntity, so callers without permission
// learn nothing. fresh reads the store; otherwise the cache serves it.
func (c *call) role(name string, fresh bool, extra ...condition) (store.Role, string, error) {
	var r store.Role
	var err error
	if fresh || c.s.Cache == nil {
		r, err = c.s.Store.GetRole(c.ctx, c.account(), name)
	} else {
		var cr *storecache.Role
		cr, err = c.s.Cache.Role(c.ctx, c.partition(), c.account(), name)
		if err == nil {
			r = cr.Role
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		if aerr := c.authorize(arn.Role(c.partition(), c.account(), "/", name), extra...); aerr != nil {
			return store.Role{}, "", aerr
		}
		return store.Role{}, "", errNoSuchRole(name)
	}
	if err != nil {
		return store.Role{}, "", err
	}
	roleARN := arn.Role(c.partition(), r.Account, r.Path, r.Name)
	if err := c.authorize(roleARN, append(extra, resourceTags(r.Tags))...); err != nil {
		return store.Role{}, "", err
	}
	return r, roleARN, nil
}

// user is role for users.
func (c *call) user(name string, fresh bool, extra ...condition) (store.User, string, error) {
	var u store.User
	var err error
	if fresh || c.s.Cache == nil {
		u, err = c.s.Store.GetUser(c.ctx, c.account(), name)
	} else {
		var cu *store.User
		cu, err = c.s.Cache.User(c.ctx, c.account(), name)
		if err == nil {
			u = *cu
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		if aerr := c.authorize(arn.User(c.partition(), c.account(), "/", name), extra...); aerr != nil {
			return store.User{}, "", aerr
		}
		return store.User{}, "", errNoSuchUser(name)
	}
	if err != nil {
		return store.User{}, "", err
	}
	userARN := arn.User(c.partition(), u.Account, u.Path, u.Name)
	if err := c.authorize(userARN, append(extra, resourceTags(u.Tags))...); err != nil {
		return store.User{}, "", err
	}
	return u, userARN, nil
}

// policyAccount checks that policyARN is a well-formed managed policy ARN
// and returns its account.
func (c *call) policyAccount(policyARN string) (string, error) {
	acct, _, _, err := arn.IAMResource(policyARN, "policy")
	if err != nil {
		return "", errInvalidARN(policyARN)
	}
	return acct, nil
}

// managedPolicy loads a managed policy the call acts on (the caller's own,
// or an AWS managed one when readOnly) and authorizes the call on its ARN.
// Policies of other accounts are denied as cross-account requests.
func (c *call) managedPolicy(policyARN string, readOnly bool, extra ...condition) (store.ManagedPolicy, error) {
	acct, err := c.policyAccount(policyARN)
	if err != nil {
		return store.ManagedPolicy{}, err
	}
	resAcct := acct
	if acct == store.AWSAccount {
		resAcct = ""
	}
	if err := c.authorizeIn(policyARN, resAcct, extra...); err != nil {
		return store.ManagedPolicy{}, err
	}
	if acct != c.account() && acct != store.AWSAccount {
		return store.ManagedPolicy{}, errNoSuchPolicy(policyARN)
	}
	if acct == store.AWSAccount && !readOnly {
		return store.ManagedPolicy{}, errAWSManagedPolicy(c.action)
	}
	p, err := c.s.Store.GetPolicy(c.ctx, policyARN)
	if errors.Is(err, store.ErrNotFound) {
		return store.ManagedPolicy{}, errNoSuchPolicy(policyARN)
	}
	return p, err
}

// attachable checks that policyARN names a managed policy the caller's
// account may attach (its own or an AWS managed one) and returns it.
func (c *call) attachable(policyARN string) (store.ManagedPolicy, error) {
	acct, err := c.policyAccount(policyARN)
	if err != nil {
		return store.ManagedPolicy{}, err
	}
	if acct != c.account() && acct != store.AWSAccount {
		return store.ManagedPolicy{}, errNoSuchPolicy(policyARN)
	}
	p, err := c.s.Store.GetPolicy(c.ctx, policyARN)
	if errors.Is(err, store.ErrNotFound) {
		return store.ManagedPolicy{}, errNoSuchPolicy(policyARN)
	}
	return p, err
}

// boundary checks a permissions boundary ARN given to CreateRole,
// CreateUser or Put*PermissionsBoundary.
func (c *call) boundary(policyARN string) error {
	acct, _, _, err := arn.IAMResource(policyARN, "policy")
	if err != nil {
		return errInvalidARN(policyARN)
	}
	if acct != c.account() && acct != store.AWSAccount {
		return errBoundaryNotAttachable(policyARN)
	}
	if _, err := c.s.Store.GetPolicy(c.ctx, policyARN); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errBoundaryNotAttachable(policyARN)
		}
		return err
	}
	return nil
}
