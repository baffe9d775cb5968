package iam

import "github.com/trustbridge/trustbridge/internal/awsquery"

// Shapes shared by several IAM actions. Field names are the model's member
// names: awsquery decodes inputs by them, and encoding/xml writes outputs
// in field order, which follows the model. Optional members carry
// omitempty; required lists are written even when empty, as AWS does
// (<Users/>), so clients see an empty list rather than a missing one.

// List is a list member written the Query way: the member's element
// holding one <member> element per item.
type List[T any] = awsquery.List[T]

// Tag is an IAM tag.
type Tag struct {
	Key   string
	Value string
}

// AttachedPermissionsBoundary is a user's or role's permissions boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string `xml:",omitempty"`
	PermissionsBoundaryArn  string `xml:",omitempty"` //nolint:revive // AWS member name
}

// User is an IAM user.
type User struct {
	Path                string `xml:",omitempty"`
	UserName            string `xml:",omitempty"`
	UserId              string //nolint:revive // AWS member name
	Arn                 string //nolint:revive // AWS member name
	CreateDate          awsquery.Time
	PasswordLastUsed    *awsquery.Time               `xml:",omitempty"`
	PermissionsBoundary *AttachedPermissionsBoundary `xml:",omitempty"`
	Tags                List[Tag]                    `xml:",omitempty"`
}

// RoleLastUsed says when a role was last assumed, and where.
type RoleLastUsed struct {
	LastUsedDate *awsquery.Time `xml:",omitempty"`
	Region       string         `xml:",omitempty"`
}

// Role is an IAM role. AssumeRolePolicyDocument is URL-encoded.
type Role struct {
	Path                     string
	RoleName                 string
	RoleId                   string //nolint:revive // AWS member name
	Arn                      string //nolint:revive // AWS member name
	CreateDate               awsquery.Time
	AssumeRolePolicyDocument string                       `xml:",omitempty"`
	Description              string                       `xml:",omitempty"`
	MaxSessionDuration       *int32                       `xml:",omitempty"`
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:",omitempty"`
	Tags                     List[Tag]                    `xml:",omitempty"`
	RoleLastUsed             *RoleLastUsed                `xml:",omitempty"`
}

// Policy is a managed policy.
type Policy struct {
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
	Tags                          List[Tag] `xml:",omitempty"`
}

// PolicyVersion is one version of a managed policy. Document is
// URL-encoded and omitted by ListPolicyVersions.
type PolicyVersion struct {
	Document         string `xml:",omitempty"`
	VersionId        string //nolint:revive // AWS member name
	IsDefaultVersion bool
	CreateDate       awsquery.Time
}

// AttachedPolicy names a managed policy attached to a user or role.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  string //nolint:revive // AWS member name
}

// PolicyDetail is an inline policy in GetAccountAuthorizationDetails.
type PolicyDetail struct {
	PolicyName     string
	PolicyDocument string
}

// AccessKey is a new access key with its secret (CreateAccessKey only).
type AccessKey struct {
	UserName        string `xml:",omitempty"`
	AccessKeyId     string //nolint:revive // AWS member name
	Status          string
	SecretAccessKey string
	CreateDate      awsquery.Time
}

// AccessKeyMetadata describes an access key without its secret.
type AccessKeyMetadata struct {
	UserName    string `xml:",omitempty"`
	AccessKeyId string //nolint:revive // AWS member name
	Status      string
	CreateDate  awsquery.Time
}
