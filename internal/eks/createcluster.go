package eks

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// DefaultKubernetesVersion is the version of a cluster created without one
// (the world file's default too).
const DefaultKubernetesVersion = "1.32"

// CreateClusterInput is CreateCluster's request body. Of the model's
// members, trustbridge uses name, version, tags and accessConfig; roleArn
// and resourcesVpcConfig are required, as in EKS, but ignored: no
// infrastructure is created. Trustbridge is trustbridge's own member.
type CreateClusterInput struct {
	Name               string            `json:"name"`
	Version            string            `json:"version"`
	RoleArn            string            `json:"roleArn"`
	ResourcesVpcConfig json.RawMessage   `json:"resourcesVpcConfig"`
	Tags               map[string]string `json:"tags"`
	ClientRequestToken string            `json:"clientRequestToken"`
	AccessConfig       *struct {
		BootstrapClusterCreatorAdminPermissions *bool  `json:"bootstrapClusterCreatorAdminPermissions"`
		AuthenticationMode                      string `json:"authenticationMode"`
	} `json:"accessConfig"`
	Trustbridge *ClusterExtension `json:"trustbridge"`
}

// ClusterExtension is the optional "trustbridge" member of CreateCluster's
// body, which AWS clients never send: it registers what EKS would have
// created — the service account issuer and the API server.
//
//	"trustbridge": {"oidcIssuer": "https://...", "oidcIssuerCABundle": "-----BEGIN...",
//	                "endpoint": "https://...", "certificateAuthority": "LS0t..."}
type ClusterExtension struct {
	// OIDCIssuer is the cluster's service account issuer (https URL),
	// reported as identity.oidc.issuer and used by EKS Auth to verify Pod
	// Identity tokens.
	OIDCIssuer string `json:"oidcIssuer"`
	// OIDCIssuerCABundle is PEM certificates trusted for the issuer's TLS,
	// for a private issuer.
	OIDCIssuerCABundle string `json:"oidcIssuerCABundle"`
	// Endpoint is the Kubernetes API server URL (https).
	Endpoint string `json:"endpoint"`
	// CertificateAuthority is the API server's CA as DescribeCluster
	// returns it (base64 of the PEM); PEM text is accepted too.
	CertificateAuthority string `json:"certificateAuthority"`
}

// CreateClusterOutput is CreateCluster's response.
type CreateClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}

var authModes = []string{store.AuthModeAPI, store.AuthModeAPIAndConfigMap, store.AuthModeConfigMap}

// createCluster registers a cluster in the caller's account and region.
// Its status is ACTIVE at once. Unless the authentication mode is
// CONFIG_MAP or bootstrapClusterCreatorAdminPermissions is false, the
// creating IAM user or role gets an access entry with
// AmazonEKSClusterAdminPolicy, as in EKS (not an account root user:
// trustbridge's access entries are for users and roles).
func (s *Service) createCluster(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	var in CreateClusterInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	cl, err := s.newCluster(c, &in)
	if err != nil {
		return nil, err
	}
	params := map[string]any{"name": in.Name}
	if err := s.authorize(ctx, c, "CreateCluster", cl.ARN, nil, func(pc *policy.Context) { requestTags(pc, in.Tags) }, params); err != nil {
		return nil, err
	}
	bootstrap := cl.AuthenticationMode != store.AuthModeConfigMap &&
		(in.AccessConfig == nil || in.AccessConfig.BootstrapClusterCreatorAdminPermissions == nil || *in.AccessConfig.BootstrapClusterCreatorAdminPermissions)
	creator := creatorARN(c)
	err = s.Store.Tx(ctx, func(tx store.Store) error {
		if err := tx.CreateCluster(ctx, *cl); err != nil {
			return err
		}
		if !bootstrap || creator == "" {
			return nil
		}
		now := s.now()
		if err := tx.CreateAccessEntry(ctx, store.AccessEntry{Cluster: cl.ClusterRef, PrincipalARN: creator, Type: TypeStandard,
			CreatedAt: now, ModifiedAt: now, AccessEntryARN: arn.AccessEntry(s.partition(), cl.Region, cl.Account, cl.Name, creator, s.newUUID())}); err != nil {
			return err
		}
		return tx.AssociateAccessPolicy(ctx, cl.ClusterRef, creator, store.AccessPolicyAssociation{
			PolicyARN: AccessPolicyARN(s.partition(), "AmazonEKSClusterAdminPolicy"), AccessScope: store.AccessScope{Type: store.ScopeCluster},
			AssociatedAt: now, ModifiedAt: now})
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, clusterExists(in.Name)
	}
	if err != nil {
		return nil, err
	}
	s.wrote()
	return &CreateClusterOutput{Cluster: clusterOut(cl)}, nil
}

// newCluster validates the request and builds the cluster to store.
func (s *Service) newCluster(c *auth.Caller, in *CreateClusterInput) (*store.Cluster, error) {
	switch {
	case in.Name == "":
		return nil, invalidParameter("", "name is required.")
	case !validClusterName(in.Name):
		return nil, invalidParameter(in.Name, "The cluster name must be 1-100 characters: letters, digits, hyphens and underscores, starting with a letter or digit.")
	case in.RoleArn == "":
		return nil, invalidParameter(in.Name, "roleArn is required.")
	case len(in.ResourcesVpcConfig) == 0 || string(in.ResourcesVpcConfig) == "null" || in.ResourcesVpcConfig[0] != '{':
		return nil, invalidParameter(in.Name, "resourcesVpcConfig is required.")
	}
	if err := checkTags(in.Name, in.Tags); err != nil {
		return nil, err
	}
	mode := store.AuthModeAPIAndConfigMap
	if in.AccessConfig != nil && in.AccessConfig.AuthenticationMode != "" {
		mode = in.AccessConfig.AuthenticationMode
		if !contains(authModes, mode) {
			return nil, invalidParameter(in.Name, "authenticationMode must be one of API, API_AND_CONFIG_MAP, CONFIG_MAP.")
		}
	}
	version := in.Version
	if version == "" {
		version = DefaultKubernetesVersion
	}
	ref := clusterRef(c, in.Name)
	cl := &store.Cluster{ClusterRef: ref, ARN: s.clusterARN(ref), CreateDate: s.now(), AuthenticationMode: mode,
		Status: "ACTIVE", Version: version, Tags: in.Tags}
	if x := in.Trustbridge; x != nil {
		if x.OIDCIssuer != "" && !checkHTTPSURL(x.OIDCIssuer) {
			return nil, invalidParameter(in.Name, "trustbridge.oidcIssuer must be an https URL without query or fragment.")
		}
		if x.OIDCIssuerCABundle != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(x.OIDCIssuerCABundle)) {
			return nil, invalidParameter(in.Name, "trustbridge.oidcIssuerCABundle must hold PEM certificates.")
		}
		if x.Endpoint != "" && !checkHTTPSURL(x.Endpoint) {
			return nil, invalidParameter(in.Name, "trustbridge.endpoint must be an https URL.")
		}
		ca, ok := normalizeCA(x.CertificateAuthority)
		if !ok {
			return nil, invalidParameter(in.Name, "trustbridge.certificateAuthority must be PEM certificates, or their base64 encoding.")
		}
		cl.OIDCIssuer, cl.OIDCIssuerCABundle, cl.Endpoint, cl.CertificateAuthority = strings.TrimSuffix(x.OIDCIssuer, "/"), x.OIDCIssuerCABundle, x.Endpoint, ca
	}
	return cl, nil
}

// normalizeCA returns the API server CA as the store keeps it (base64 of
// the PEM), from PEM or base64 of PEM. "" stays "".
func normalizeCA(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", true
	}
	pemText := []byte(s)
	if !strings.HasPrefix(t, "-----BEGIN") {
		b, err := base64.StdEncoding.DecodeString(t)
		if err != nil {
			return "", false
		}
		pemText = b
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pemText) {
		return "", false
	}
	return base64.StdEncoding.EncodeToString(pemText), true
}

// creatorARN is the principal ARN of the cluster creator's access entry:
// the IAM user, or the role (with its path) of a role session; "" for
// anything else.
func creatorARN(c *auth.Caller) string {
	switch c.Principal.Type {
	case policy.User:
		return c.Principal.ARN
	case policy.RoleSession:
		if c.Principal.RoleARN != "" && c.RoleName != "" {
			return c.Principal.RoleARN
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
