package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Implementations wrap them with context (the kind and
// name of the entity); test with errors.Is.
var (
	// ErrNotFound: the entity, or an entity it refers to (its account,
	// owner, cluster, policy or version), does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a create collided with an existing key.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: the entity cannot be deleted or changed in its current
	// state: an account that still owns entities, a user or role that still
	// has inline policies, attached policies or access keys, a managed policy
	// that is still attached, the default version of a managed policy.
	ErrConflict = errors.New("conflict")
	// ErrLimitExceeded: a managed policy already has MaxPolicyVersions
	// versions.
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrInvalid: the arguments break a store invariant (an empty key, a
	// malformed marker or version ID, an updater that changed an immutable
	// field). It signals a caller bug or bad client input such as a forged
	// marker.
	ErrInvalid = errors.New("invalid argument")
)

// DefaultLimit is the page size used when a list request's Limit is zero.
const DefaultLimit = 100

// A Page requests one page of a list.
type Page struct {
	// Marker is the next marker returned with the previous page; "" starts
	// at the beginning. Markers are opaque and valid across replicas and
	// restarts; a marker that does not decode is ErrInvalid.
	Marker string
	// Limit is the maximum number of items returned; zero means DefaultLimit.
	Limit int
}

// ListOptions requests one page of an IAM list.
type ListOptions struct {
	Page
	// PathPrefix keeps only entities whose path starts with it ("" or "/"
	// keeps all). The comparison is case-sensitive, as IAM's.
	PathPrefix string
}

// PolicyScope selects managed policies by owner, as IAM ListPolicies' Scope.
type PolicyScope string

// The policy scopes.
const (
	// ScopeAll lists the account's policies and the AWS managed ones.
	ScopeAll PolicyScope = "All"
	// ScopeAWS lists AWS managed policies only.
	ScopeAWS PolicyScope = "AWS"
	// ScopeLocal lists the account's own policies only.
	ScopeLocal PolicyScope = "Local"
)

// PolicyListOptions requests one page of managed policies.
type PolicyListOptions struct {
	ListOptions
	// Account is the listing account (required).
	Account string
	// Scope defaults to ScopeAll.
	Scope PolicyScope
	// OnlyAttached keeps only policies attached to at least one user or
	// role of Account.
	OnlyAttached bool
}

// PodIdentityListOptions requests one page of pod identity associations.
type PodIdentityListOptions struct {
	Page
	// Namespace and ServiceAccount, when set, filter exactly.
	Namespace      string
	ServiceAccount string
}

// A Store keeps trustbridge's IAM and EKS state.
//
// Every method takes ctx first and may be called from many goroutines at
// once, except on the Store passed to a Tx function, which belongs to that
// function's goroutine. Get methods return ErrNotFound; Create methods
// return ErrAlreadyExists when the key is taken and ErrNotFound when a
// referenced entity (account, owner, cluster) is missing. Update methods
// load the entity inside a write transaction, call fn on it and store the
// result; if fn returns an error nothing is written and that error is
// returned unchanged, so fn may return API errors. Lists return one page
// and the marker of the next ("" on the last page).
type Store interface {
	// CreateAccount adds an account. Every other entity but AWS managed
	// policies belongs to an account that must exist first.
	CreateAccount(ctx context.Context, a Account) error
	GetAccount(ctx context.Context, id string) (Account, error)
	// ListAccounts returns every account ordered by ID.
	ListAccounts(ctx context.Context) ([]Account, error)
	// UpdateAccount may change Alias only.
	UpdateAccount(ctx context.Context, id string, fn func(*Account) error) error
	// DeleteAccount fails with ErrConflict while the account owns anything.
	DeleteAccount(ctx context.Context, id string) error

	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, account, name string) (User, error)
	GetUserByID(ctx context.Context, userID string) (User, error)
	ListUsers(ctx context.Context, account string, opts ListOptions) ([]User, string, error)
	// UpdateUser may change Name (IAM UpdateUser's NewUserName, carried to
	// the user's keys, policies and attachments), Path, the boundary and
	// Tags. Renaming onto another user's name is ErrAlreadyExists.
	UpdateUser(ctx context.Context, account, name string, fn func(*User) error) error
	// DeleteUser fails with ErrConflict while the user has access keys,
	// inline policies or attached policies (IAM's DeleteConflict).
	DeleteUser(ctx context.Context, account, name string) error

	// CreateAccessKey stores a key; UserName "" makes it a root key, any
	// other UserName must name an existing user of Account.
	CreateAccessKey(ctx context.Context, k AccessKey) error
	// GetAccessKey is the hottest read: authentication of every signed
	// request with long-term credentials.
	GetAccessKey(ctx context.Context, accessKeyID string) (AccessKey, error)
	// ListAccessKeys returns the keys of a user ("" for root) ordered by
	// creation.
	ListAccessKeys(ctx context.Context, account, userName string) ([]AccessKey, error)
	// UpdateAccessKey may change Status only.
	UpdateAccessKey(ctx context.Context, accessKeyID string, fn func(*AccessKey) error) error
	DeleteAccessKey(ctx context.Context, accessKeyID string) error
	// RecordAccessKeyUse sets LastUsed unless the stored date is later. It
	// does not bump Revision; callers on the request path should throttle it.
	RecordAccessKeyUse(ctx context.Context, accessKeyID string, used AccessKeyLastUsed) error

	CreateRole(ctx context.Context, r Role) error
	// GetRole is a hot read (AssumeRole and friends).
	GetRole(ctx context.Context, account, name string) (Role, error)
	GetRoleByID(ctx context.Context, roleID string) (Role, error)
	ListRoles(ctx context.Context, account string, opts ListOptions) ([]Role, string, error)
	// UpdateRole may change TrustPolicy, Description, MaxSessionDuration,
	// the boundary and Tags (IAM cannot rename roles or change their path).
	UpdateRole(ctx context.Context, account, name string, fn func(*Role) error) error
	// DeleteRole fails with ErrConflict while the role has inline or
	// attached policies.
	DeleteRole(ctx context.Context, account, name string) error
	// RecordRoleUse sets LastUsed unless the stored date is later. It does
	// not bump Revision.
	RecordRoleUse(ctx context.Context, account, name string, used RoleLastUsed) error

	// PutInlinePolicy creates or replaces an inline policy (IAM
	// PutUserPolicy/PutRolePolicy). A name that differs from a stored one
	// only in case replaces it, and the stored name takes p.Name's case.
	// The owner must exist.
	PutInlinePolicy(ctx context.Context, p InlinePolicy) error
	GetInlinePolicy(ctx context.Context, owner Principal, name string) (InlinePolicy, error)
	// ListInlinePolicies returns the owner's inline policies with their
	// documents, ordered by name. An unknown owner is ErrNotFound.
	ListInlinePolicies(ctx context.Context, owner Principal, page Page) ([]InlinePolicy, string, error)
	DeleteInlinePolicy(ctx context.Context, owner Principal, name string) error

	// CreatePolicy stores a managed policy with its initial versions
	// (usually just v1); DefaultVersionID must name one of them.
	// AttachmentCount, PermissionsBoundaryUsageCount, UpdateDate and
	// IsDefault are ignored. Account AWSAccount needs no account row.
	CreatePolicy(ctx context.Context, p ManagedPolicy) error
	// GetPolicy returns the policy with all its versions.
	GetPolicy(ctx context.Context, arn string) (ManagedPolicy, error)
	ListPolicies(ctx context.Context, opts PolicyListOptions) ([]ManagedPolicy, string, error)
	// UpdatePolicy may change Description and Tags only; versions change
	// through the version methods.
	UpdatePolicy(ctx context.Context, arn string, fn func(*ManagedPolicy) error) error
	// DeletePolicy deletes the policy and all its versions. It fails with
	// ErrConflict while the policy is attached or is a permissions
	// boundary. (IAM also demands that non-default versions be deleted
	// first; that check is the caller's.)
	DeletePolicy(ctx context.Context, arn string) error
	// CreatePolicyVersion adds version v<N+1>, where N is the highest number
	// the policy ever used, and makes it the default if setAsDefault. It
	// fails with ErrLimitExceeded when the policy has MaxPolicyVersions.
	CreatePolicyVersion(ctx context.Context, arn string, v PolicyVersion, setAsDefault bool) (PolicyVersion, error)
	GetPolicyVersion(ctx context.Context, arn, versionID string) (PolicyVersion, error)
	SetDefaultPolicyVersion(ctx context.Context, arn, versionID string) error
	// DeletePolicyVersion fails with ErrConflict for the default version.
	DeletePolicyVersion(ctx context.Context, arn, versionID string) error

	// AttachPolicy attaches a managed policy to a user or role; attaching
	// it again is a no-op. The principal and the policy must exist.
	AttachPolicy(ctx context.Context, to Principal, policyARN string) error
	// DetachPolicy fails with ErrNotFound when the policy is not attached.
	DetachPolicy(ctx context.Context, from Principal, policyARN string) error
	// ListAttachedPolicies lists a principal's attached policies ordered by
	// policy name; opts.PathPrefix filters the policies' paths.
	ListAttachedPolicies(ctx context.Context, owner Principal, opts ListOptions) ([]AttachedPolicy, string, error)
	// ListPolicyEntities lists the users and roles a policy is attached to,
	// ordered by kind, account and name.
	ListPolicyEntities(ctx context.Context, policyARN string, page Page) ([]PolicyEntity, string, error)
	// GetPrincipalPolicies reads a principal's inline policies and the
	// default versions of its attached policies in one snapshot: the hot
	// read of policy evaluation. An unknown principal is ErrNotFound.
	GetPrincipalPolicies(ctx context.Context, owner Principal) (PrincipalPolicies, error)

	CreateOIDCProvider(ctx context.Context, p OIDCProvider) error
	// GetOIDCProvider is a hot read (AssumeRoleWithWebIdentity).
	GetOIDCProvider(ctx context.Context, account, url string) (OIDCProvider, error)
	// ListOIDCProviders returns the account's providers ordered by URL.
	ListOIDCProviders(ctx context.Context, account string) ([]OIDCProvider, error)
	// UpdateOIDCProvider may change ClientIDs, Thumbprints, Tags and CABundle.
	UpdateOIDCProvider(ctx context.Context, account, url string, fn func(*OIDCProvider) error) error
	DeleteOIDCProvider(ctx context.Context, account, url string) error

	CreateCluster(ctx context.Context, c Cluster) error
	GetCluster(ctx context.Context, ref ClusterRef) (Cluster, error)
	// ListClusters lists an account's clusters in a region ordered by name.
	ListClusters(ctx context.Context, account, region string, page Page) ([]Cluster, string, error)
	// UpdateCluster may change everything but the ClusterRef, ARN and
	// CreateDate.
	UpdateCluster(ctx context.Context, ref ClusterRef, fn func(*Cluster) error) error
	// DeleteCluster deletes the cluster with its access entries, their
	// policy associations and its pod identity associations, as EKS does.
	DeleteCluster(ctx context.Context, ref ClusterRef) error

	CreateAccessEntry(ctx context.Context, e AccessEntry) error
	GetAccessEntry(ctx context.Context, cluster ClusterRef, principalARN string) (AccessEntry, error)
	// ListAccessEntries lists a cluster's entries ordered by principal ARN.
	ListAccessEntries(ctx context.Context, cluster ClusterRef, page Page) ([]AccessEntry, string, error)
	// UpdateAccessEntry may change KubernetesGroups, Username, Type,
	// ModifiedAt and Tags.
	UpdateAccessEntry(ctx context.Context, cluster ClusterRef, principalARN string, fn func(*AccessEntry) error) error
	// DeleteAccessEntry deletes the entry and its policy associations.
	DeleteAccessEntry(ctx context.Context, cluster ClusterRef, principalARN string) error
	// AssociateAccessPolicy creates or replaces the association of
	// a.PolicyARN with the entry; replacing keeps the first AssociatedAt.
	AssociateAccessPolicy(ctx context.Context, cluster ClusterRef, principalARN string, a AccessPolicyAssociation) error
	// ListAccessPolicyAssociations returns the entry's associations ordered
	// by policy ARN. An unknown entry is ErrNotFound.
	ListAccessPolicyAssociations(ctx context.Context, cluster ClusterRef, principalARN string) ([]AccessPolicyAssociation, error)
	DisassociateAccessPolicy(ctx context.Context, cluster ClusterRef, principalARN, policyARN string) error

	CreatePodIdentityAssociation(ctx context.Context, a PodIdentityAssociation) error
	GetPodIdentityAssociation(ctx context.Context, cluster ClusterRef, associationID string) (PodIdentityAssociation, error)
	// FindPodIdentityAssociation is the hot read of the EKS Auth API: the
	// association of one service account.
	FindPodIdentityAssociation(ctx context.Context, cluster ClusterRef, namespace, serviceAccount string) (PodIdentityAssociation, error)
	// ListPodIdentityAssociations lists a cluster's associations ordered by
	// namespace and service account.
	ListPodIdentityAssociations(ctx context.Context, cluster ClusterRef, opts PodIdentityListOptions) ([]PodIdentityAssociation, string, error)
	// UpdatePodIdentityAssociation may change RoleARN, TargetRoleARN,
	// DisableSessionTags, Tags and ModifiedAt.
	UpdatePodIdentityAssociation(ctx context.Context, cluster ClusterRef, associationID string, fn func(*PodIdentityAssociation) error) error
	DeletePodIdentityAssociation(ctx context.Context, cluster ClusterRef, associationID string) error

	// PutDecision records (or replaces) a decision. It is one small write
	// and does not bump Revision. Now and then it also prunes expired
	// decisions.
	PutDecision(ctx context.Context, d Decision) error
	// GetDecision returns ErrNotFound for unknown and expired decisions.
	GetDecision(ctx context.Context, requestID string) (Decision, error)
	// PruneDecisions deletes decisions that expired before now and
	// returns how many it deleted.
	PruneDecisions(ctx context.Context, now time.Time) (int64, error)

	// Revision returns a counter that every committed write (but those
	// noted above) increases; equal values mean no change. It is one
	// indexed read, cheap enough to call before every cache lookup.
	Revision(ctx context.Context) (int64, error)

	// Tx runs fn in one write transaction and commits if fn returns nil.
	// The Store passed to fn performs every call inside the transaction
	// and must not be used after fn returns or from other goroutines; its
	// Tx runs the function inline and its Close fails. A committed Tx bumps
	// Revision (at least) once. Tx is the bulk path: loading a world of
	// 100,000 roles is one Tx. fn must not call the outer Store: its writes
	// would wait for this transaction, which waits for fn. Errors from store
	// methods called inside fn that are not sentinel errors (database
	// failures) doom the transaction.
	Tx(ctx context.Context, fn func(tx Store) error) error

	// Close releases the store's connections; it is idempotent. Other calls
	// after Close fail.
	Close() error
}

// An Entity names a kind of stored entity in an *Error.
type Entity string

// The entities.
const (
	EntityAccount                 Entity = "account"
	EntityUser                    Entity = "user"
	EntityAccessKey               Entity = "access key"
	EntityRole                    Entity = "role"
	EntityInlinePolicy            Entity = "inline policy"
	EntityPolicy                  Entity = "policy"
	EntityPolicyVersion           Entity = "policy version"
	EntityAttachment              Entity = "policy attachment"
	EntityOIDCProvider            Entity = "OIDC provider"
	EntityCluster                 Entity = "cluster"
	EntityAccessEntry             Entity = "access entry"
	EntityAccessPolicyAssociation Entity = "access policy association"
	EntityPodIdentityAssociation  Entity = "pod identity association"
	EntityDecision                Entity = "decision"
)

// An Error is how implementations return the sentinel errors: it says
// which entity was missing, taken or in conflict, so callers can write
// AWS's messages ("The role with name X cannot be found.") without another
// read. errors.Is(err, ErrNotFound) and friends see through it.
type Error struct {
	// Err is ErrNotFound, ErrAlreadyExists, ErrConflict, ErrLimitExceeded
	// or ErrInvalid.
	Err error
	// Entity is the kind of the entity the error is about. For a missing
	// owner (creating a key for an unknown user) it is the owner's kind.
	Entity Entity
	// Name is that entity's name or key as the caller gave it.
	Name string
	// Detail is an optional human-readable reason, without secrets.
	Detail string
}

// Error implements error, for example `role "Admin": not found`.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Entity != "" {
		b.WriteString(string(e.Entity))
		if e.Name != "" {
			b.WriteString(" ")
			b.WriteString(strconv.Quote(e.Name))
		}
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }
