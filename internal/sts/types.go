package sts

import "github.com/trustbridge/trustbridge/internal/awsquery"

// Shapes shared by several STS actions. Field names are the model's member
// names; awsquery decodes inputs by them and encoding/xml writes outputs in
// field order, which follows the model.

// Tag is a session tag.
type Tag struct {
	Key   string
	Value string
}

// PolicyDescriptor names a managed policy used as a session policy.
type PolicyDescriptor struct {
	Arn string `query:"arn" xml:"arn"`
}

// ProvidedContext is a trusted context assertion (accepted and ignored).
type ProvidedContext struct {
	ProviderArn      string
	ContextAssertion string
}

// Credentials are temporary security credentials.
type Credentials struct {
	AccessKeyId     string //nolint:revive // AWS member name
	SecretAccessKey string
	SessionToken    string
	Expiration      awsquery.Time
}

// AssumedRoleUser identifies a role session.
type AssumedRoleUser struct {
	AssumedRoleId string //nolint:revive // AWS member name
	Arn           string
}
