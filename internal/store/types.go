package store

import "time"

// Times: every time.Time the store returns is in UTC with nanosecond
// precision; the zero time.Time means "absent" and round-trips as zero.
// Maps and slices that are empty are returned as nil.

// AWSAccount is the pseudo account that owns AWS managed policies
// (arn:aws:iam::aws:policy/...).
const AWSAccount = "aws"

// An Account is an AWS account known to trustbridge.
type Account struct {
	// ID is the 12-digit account ID.
	ID         string
	Alias      string
	CreateDate time.Time
}

// A User is an IAM user.
type User struct {
	Account string
	// Name is unique in the account without regard to case.
	Name string
	// Path is the IAM path, "/" at its shortest.
	Path string
	// UserID is the AIDA... unique ID; unique across the store.
	UserID                 string
	CreateDate             time.Time
	PermissionsBoundaryARN string
	Tags                   map[string]string
}

// Access key statuses.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// An AccessKey is a long-term access key of an IAM user or of an account's
// root user.
type AccessKey struct {
	// AccessKeyID is unique across the store.
	AccessKeyID string
	Account     string
	// UserName is the owning user's name, "" for the account root's keys.
	// On reads it is the user's name as created (and as renamed), whatever
	// case the key was created with.
	UserName string
	// SecretCiphertext is the secret access key sealed by the caller; the
	// store never sees the plaintext.
	SecretCiphertext []byte
	// Status is StatusActive or StatusInactive.
	Status     string
	CreateDate time.Time
	// LastUsed is nil until RecordAccessKeyUse is called.
	LastUsed *AccessKeyLastUsed
}

// AccessKeyLastUsed is IAM's GetAccessKeyLastUsed information.
type AccessKeyLastUsed struct {
	Date        time.Time
	ServiceName string
	Region      string
}

// A Role is an IAM role.
type Role struct {
	Account string
	// Name is unique in the account without regard to case.
	Name string
	Path string
	// RoleID is the AROA... unique ID; unique across the store.
	RoleID     string
	CreateDate time.Time
	// TrustPolicy is the assume role policy document, as given.
	TrustPolicy string
	Description string
	// MaxSessionDuration is in seconds; zero means the caller's default.
	MaxSessionDuration     int32
	PermissionsBoundaryARN string
	Tags                   map[string]string
	// LastUsed is nil until RecordRoleUse is called.
	LastUsed *RoleLastUsed
}

// RoleLastUsed is IAM's RoleLastUsed.
type RoleLastUsed struct {
	Date   time.Time
	Region string
}

// A PrincipalKind says whether an inline policy or a managed policy
// attachment belongs to a user or a role.
type PrincipalKind string

// The principal kinds that own policies.
const (
	KindUser PrincipalKind = "user"
	KindRole PrincipalKind = "role"
)

// A Principal names a user or a role.
type Principal struct {
	Kind    PrincipalKind
	Account string
	// Name is matched without regard to case.
	Name string
}

// An InlinePolicy is a policy embedded in a user or role.
type InlinePolicy struct {
	Owner Principal
	// Name is unique per owner without regard to case.
	Name     string
	Document string
}

// A ManagedPolicy is a customer managed policy, or an AWS managed policy
// when Account is AWSAccount.
type ManagedPolicy struct {
	// ARN is unique across the store and is the policy's key.
	ARN     string
	Account string
	// Name is unique in the account without regard to case.
	Name        string
	Path        string
	PolicyID    string
	Description string
	// DefaultVersionID names the version in effect.
	DefaultVersionID string
	// Versions are ordered oldest first (v1, v2, ...). At most
	// MaxPolicyVersions. ListPolicies leaves Versions nil.
	Versions []PolicyVersion
	// AttachmentCount is computed by the store: the number of users and
	// roles the policy is attached to (in every account for GetPolicy; in
	// the listing account for ListPolicies).
	AttachmentCount int
	// PermissionsBoundaryUsageCount is computed by the store: the number of
	// users and roles whose permissions boundary is this policy.
	PermissionsBoundaryUsageCount int
	CreateDate                    time.Time
	// UpdateDate is computed by the store: the create date of the newest
	// version, as IAM reports it.
	UpdateDate time.Time
	Tags       map[string]string
}

// MaxPolicyVersions is IAM's limit on the versions of one managed policy.
const MaxPolicyVersions = 5

// A PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	// VersionID is "v" followed by a positive decimal number. Numbers are
	// never reused within a policy.
	VersionID string
	Document  string
	// IsDefault is computed from the policy's DefaultVersionID.
	IsDefault  bool
	CreateDate time.Time
}

// An AttachedPolicy is one managed policy attached to a principal.
type AttachedPolicy struct {
	PolicyARN  string
	PolicyName string
}

// A PolicyEntity is one principal a managed policy is attached to.
type PolicyEntity struct {
	Principal
	// ID is the principal's UserID or RoleID.
	ID string
}

// PrincipalPolicies is everything policy evaluation needs about the
// identity-based policies of one user or role, read in one snapshot.
type PrincipalPolicies struct {
	// Inline are the principal's inline policies ordered by name.
	Inline []InlinePolicy
	// Attached are the attached managed policies ordered by name, each with
	// its default version's document.
	Attached []EffectivePolicy
}

// An EffectivePolicy is a managed policy's default version.
type EffectivePolicy struct {
	PolicyARN  string
	PolicyName string
	VersionID  string
	Document   string
}

// An OIDCProvider is an IAM OpenID Connect identity provider.
type OIDCProvider struct {
	Account string
	// URL is the issuer without its scheme (host[:port][/path]), as it
	// appears in the provider's ARN; unique per account, compared exactly.
	URL         string
	ClientIDs   []string
	Thumbprints []string
	Tags        map[string]string
	CreateDate  time.Time
	// CABundle is trustbridge's own: PEM certificates trusted for the
	// issuer's TLS, for private issuers. Optional.
	CABundle string
}

// A ClusterRef names an EKS cluster.
type ClusterRef struct {
	Account string
	Region  string
	// Name is compared exactly.
	Name string
}

// EKS cluster authentication modes.
const (
	AuthModeConfigMap       = "CONFIG_MAP"
	AuthModeAPIAndConfigMap = "API_AND_CONFIG_MAP"
	AuthModeAPI             = "API"
)

// A Cluster is an EKS cluster registered with trustbridge.
type Cluster struct {
	ClusterRef
	ARN        string
	CreateDate time.Time
	// OIDCIssuer is the service account token issuer URL (with scheme).
	OIDCIssuer string
	// OIDCIssuerCABundle is PEM certificates trusted for the issuer's TLS.
	OIDCIssuerCABundle string
	// Endpoint is the Kubernetes API server URL.
	Endpoint string
	// CertificateAuthority is the base64 of the API server's CA PEM, as
	// DescribeCluster returns it.
	CertificateAuthority string
	// AuthenticationMode is one of the AuthMode constants.
	AuthenticationMode string
	Status             string
	Version            string
	Tags               map[string]string
	// AWSAuth is the aws-auth ConfigMap data for clusters trustbridge
	// cannot watch; nil when absent.
	AWSAuth *AWSAuth
}

// AWSAuth holds the YAML strings of the aws-auth ConfigMap's keys.
type AWSAuth struct {
	MapRoles    string
	MapUsers    string
	MapAccounts string
}

// An AccessEntry is an EKS access entry.
type AccessEntry struct {
	Cluster ClusterRef
	// PrincipalARN is unique per cluster, compared exactly.
	PrincipalARN     string
	KubernetesGroups []string
	Username         string
	Type             string
	CreatedAt        time.Time
	ModifiedAt       time.Time
	Tags             map[string]string
	AccessEntryARN   string
}

// Access scope types.
const (
	ScopeCluster   = "cluster"
	ScopeNamespace = "namespace"
)

// An AccessScope limits an associated access policy.
type AccessScope struct {
	// Type is ScopeCluster or ScopeNamespace.
	Type       string
	Namespaces []string
}

// An AccessPolicyAssociation associates an EKS access policy with an
// access entry.
type AccessPolicyAssociation struct {
	// PolicyARN is unique per access entry.
	PolicyARN    string
	AccessScope  AccessScope
	AssociatedAt time.Time
	ModifiedAt   time.Time
}

// A PodIdentityAssociation maps a Kubernetes service account to an IAM role.
type PodIdentityAssociation struct {
	Cluster ClusterRef
	// AssociationID (a-...) is unique per cluster.
	AssociationID string
	// Namespace and ServiceAccount are unique together per cluster.
	Namespace          string
	ServiceAccount     string
	RoleARN            string
	TargetRoleARN      string
	DisableSessionTags bool
	AssociationARN     string
	Tags               map[string]string
	CreatedAt          time.Time
	ModifiedAt         time.Time
}

// A Decision is the recorded explanation of one request's authorization
// decision, for `trustbridge explain REQUEST_ID` on any replica.
type Decision struct {
	RequestID string
	// Data is the caller's encoding (JSON) of the decision.
	Data []byte
	// Expires is when the record may be pruned; GetDecision does not
	// return it afterwards.
	Expires time.Time
}
