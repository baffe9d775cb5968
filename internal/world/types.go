package world

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// File is the root of a world file.
type File struct {
	// Partition is the AWS partition of every ARN; default "aws".
	Partition string `json:"partition,omitempty"`
	// Region is the default region; default "us-east-1".
	Region   string    `json:"region,omitempty"`
	Accounts []Account `json:"accounts,omitempty"`
	Clusters []Cluster `json:"clusters,omitempty"`
}

// Account is one AWS account and its IAM entities.
type Account struct {
	ID            string         `json:"id"`
	Alias         string         `json:"alias,omitempty"`
	Root          *Key           `json:"root,omitempty"`
	Users         []User         `json:"users,omitempty"`
	Roles         []Role         `json:"roles,omitempty"`
	Policies      []Policy       `json:"policies,omitempty"`
	OIDCProviders []OIDCProvider `json:"oidcProviders,omitempty"`
}

// Key is a long-term access key.
type Key struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// User is an IAM user.
type User struct {
	Name                string              `json:"name"`
	Path                string              `json:"path,omitempty"`
	AccessKeys          []Key               `json:"accessKeys,omitempty"`
	Policies            map[string]Document `json:"policies,omitempty"`
	ManagedPolicies     []string            `json:"managedPolicies,omitempty"`
	PermissionsBoundary string              `json:"permissionsBoundary,omitempty"`
	Tags                map[string]string   `json:"tags,omitempty"`
}

// Role is an IAM role.
type Role struct {
	Name                string              `json:"name"`
	Path                string              `json:"path,omitempty"`
	Description         string              `json:"description,omitempty"`
	MaxSessionDuration  int32               `json:"maxSessionDuration,omitempty"`
	TrustPolicy         Document            `json:"trustPolicy"`
	Policies            map[string]Document `json:"policies,omitempty"`
	ManagedPolicies     []string            `json:"managedPolicies,omitempty"`
	PermissionsBoundary string              `json:"permissionsBoundary,omitempty"`
	Tags                map[string]string   `json:"tags,omitempty"`
}

// Policy is a customer managed policy.
type Policy struct {
	Name        string   `json:"name"`
	Path        string   `json:"path,omitempty"`
	Description string   `json:"description,omitempty"`
	Document    Document `json:"document"`
}

// OIDCProvider is an IAM OpenID Connect provider.
type OIDCProvider struct {
	URL         string            `json:"url"`
	ClientIDs   []string          `json:"clientIDs,omitempty"`
	Thumbprints []string          `json:"thumbprints,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// CAFile is trustbridge's own: a PEM bundle trusted for this issuer's
	// TLS, for private issuers.
	CAFile string `json:"caFile,omitempty"`
	// CA is CAFile's content written inline (PEM); `world export` writes
	// it. At most one of CAFile and CA may be set.
	CA string `json:"ca,omitempty"`
}

// Cluster is an EKS cluster registered with trustbridge.
type Cluster struct {
	Name               string `json:"name"`
	Account            string `json:"account"`
	Region             string `json:"region,omitempty"`
	AuthenticationMode string `json:"authenticationMode,omitempty"`
	OIDCIssuer         string `json:"oidcIssuer,omitempty"`
	// OIDCIssuerCAFile is trustbridge's own: a PEM bundle trusted for the
	// issuer's TLS.
	OIDCIssuerCAFile string `json:"oidcIssuerCAFile,omitempty"`
	// OIDCIssuerCA is OIDCIssuerCAFile's content written inline (PEM).
	OIDCIssuerCA string `json:"oidcIssuerCA,omitempty"`
	// Endpoint and CertificateAuthorityFile describe the cluster's API
	// server, returned by DescribeCluster (for update-kubeconfig).
	Endpoint                 string `json:"endpoint,omitempty"`
	CertificateAuthorityFile string `json:"certificateAuthorityFile,omitempty"`
	// CertificateAuthority is CertificateAuthorityFile's content written
	// inline (PEM).
	CertificateAuthority    string                   `json:"certificateAuthority,omitempty"`
	Version                 string                   `json:"version,omitempty"`
	Tags                    map[string]string        `json:"tags,omitempty"`
	AccessEntries           []AccessEntry            `json:"accessEntries,omitempty"`
	PodIdentityAssociations []PodIdentityAssociation `json:"podIdentityAssociations,omitempty"`
	AWSAuth                 *AWSAuth                 `json:"awsAuth,omitempty"`
}

// AccessEntry is an EKS access entry.
type AccessEntry struct {
	PrincipalARN     string         `json:"principalArn"`
	Username         string         `json:"username,omitempty"`
	KubernetesGroups []string       `json:"kubernetesGroups,omitempty"`
	Type             string         `json:"type,omitempty"`
	AccessPolicies   []AccessPolicy `json:"accessPolicies,omitempty"`
}

// AccessPolicy associates an EKS access policy with an access entry.
type AccessPolicy struct {
	PolicyARN   string      `json:"policyArn"`
	AccessScope AccessScope `json:"accessScope"`
}

// AccessScope is an access policy's scope.
type AccessScope struct {
	Type       string   `json:"type"`
	Namespaces []string `json:"namespaces,omitempty"`
}

// PodIdentityAssociation is an EKS Pod Identity association.
type PodIdentityAssociation struct {
	Namespace          string            `json:"namespace"`
	ServiceAccount     string            `json:"serviceAccount"`
	RoleARN            string            `json:"roleArn"`
	TargetRoleARN      string            `json:"targetRoleArn,omitempty"`
	DisableSessionTags bool              `json:"disableSessionTags,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// AWSAuth is the data of the cluster's kube-system/aws-auth ConfigMap, for
// clusters trustbridge cannot watch: each key holds a YAML string exactly as
// in the ConfigMap.
type AWSAuth struct {
	MapRoles    string `json:"mapRoles,omitempty"`
	MapUsers    string `json:"mapUsers,omitempty"`
	MapAccounts string `json:"mapAccounts,omitempty"`
}

// Document is a policy document written either as YAML/JSON structure or
// as a JSON string. It holds the document as compact JSON text.
type Document struct {
	JSON string
}

// UnmarshalJSON accepts a JSON string holding the document or the
// document itself.
func (d *Document) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		d.JSON = s
		return nil
	}
	if len(b) > 0 && b[0] != '{' {
		return fmt.Errorf("policy document must be an object or a JSON string")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	d.JSON = buf.String()
	return nil
}

// MarshalJSON writes the document as a structure when it is valid JSON, so
// exported world files stay readable.
func (d Document) MarshalJSON() ([]byte, error) {
	if json.Valid([]byte(d.JSON)) {
		return []byte(d.JSON), nil
	}
	return json.Marshal(d.JSON)
}

// IsZero reports whether the document is absent.
func (d Document) IsZero() bool { return d.JSON == "" }
