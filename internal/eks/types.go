package eks

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// Epoch is a timestamp written as the REST/JSON protocol's default
// timestamp format: seconds since the Unix epoch as a JSON number, with
// millisecond precision (1700000000.123), as EKS returns them.
type Epoch time.Time

// MarshalJSON implements json.Marshaler.
func (t Epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	var b []byte
	if ms < 0 {
		b, ms = append(b, '-'), -ms
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendInt(b, sec, 10)
	if frac != 0 {
		f := strconv.Itoa(int(frac) + 1000)[1:] // three digits
		b = append(b, '.')
		b = append(b, strings.TrimRight(f, "0")...)
	}
	return b, nil
}

// UnmarshalJSON implements json.Unmarshaler (for clients and tests).
func (t *Epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	sec := math.Floor(f)
	*t = Epoch(time.Unix(int64(sec), int64(math.Round((f-sec)*1000))*int64(time.Millisecond)).UTC())
	return nil
}

// Cluster is the model's Cluster shape, restricted to what trustbridge
// knows about a cluster.
type Cluster struct {
	Name                 string            `json:"name"`
	Arn                  string            `json:"arn"`
	CreatedAt            Epoch             `json:"createdAt"`
	Version              string            `json:"version,omitempty"`
	Endpoint             string            `json:"endpoint,omitempty"`
	Identity             *Identity         `json:"identity,omitempty"`
	Status               string            `json:"status"`
	CertificateAuthority *Certificate      `json:"certificateAuthority,omitempty"`
	Tags                 map[string]string `json:"tags"`
	AccessConfig         AccessConfig      `json:"accessConfig"`
}

// Identity is the cluster's identity provider information.
type Identity struct {
	OIDC OIDC `json:"oidc"`
}

// OIDC carries the cluster's service account issuer URL.
type OIDC struct {
	Issuer string `json:"issuer"`
}

// Certificate is the API server's CA: base64 of its PEM.
type Certificate struct {
	Data string `json:"data"`
}

// AccessConfig is the cluster's authentication mode.
type AccessConfig struct {
	AuthenticationMode string `json:"authenticationMode"`
}

// clusterOut converts a stored cluster.
func clusterOut(c *store.Cluster) *Cluster {
	out := &Cluster{
		Name: c.Name, Arn: c.ARN, CreatedAt: Epoch(c.CreateDate), Version: c.Version, Endpoint: c.Endpoint,
		Status: c.Status, Tags: tagsOut(c.Tags), AccessConfig: AccessConfig{AuthenticationMode: c.AuthenticationMode},
	}
	if out.Status == "" {
		out.Status = "ACTIVE"
	}
	if c.OIDCIssuer != "" {
		out.Identity = &Identity{OIDC: OIDC{Issuer: c.OIDCIssuer}}
	}
	if ca := CertificateData(c.CertificateAuthority); ca != "" {
		out.CertificateAuthority = &Certificate{Data: ca}
	}
	return out
}

// CertificateData returns a stored cluster CA as DescribeCluster's
// certificateAuthority.data: base64 of the PEM. The store keeps it base64
// encoded, but PEM text (as world files store it) is accepted and encoded.
func CertificateData(stored string) string {
	s := strings.TrimSpace(stored)
	if strings.HasPrefix(s, "-----BEGIN") {
		return base64.StdEncoding.EncodeToString([]byte(stored))
	}
	return s
}

func tagsOut(t map[string]string) map[string]string {
	if t == nil {
		return map[string]string{}
	}
	return t
}

// PodIdentityAssociation is the model's PodIdentityAssociation shape.
type PodIdentityAssociation struct {
	ClusterName        string            `json:"clusterName"`
	Namespace          string            `json:"namespace"`
	ServiceAccount     string            `json:"serviceAccount"`
	RoleArn            string            `json:"roleArn"`
	AssociationArn     string            `json:"associationArn"`
	AssociationID      string            `json:"associationId"`
	Tags               map[string]string `json:"tags"`
	CreatedAt          Epoch             `json:"createdAt"`
	ModifiedAt         Epoch             `json:"modifiedAt"`
	DisableSessionTags bool              `json:"disableSessionTags"`
	TargetRoleArn      string            `json:"targetRoleArn,omitempty"`
	ExternalID         string            `json:"externalId,omitempty"`
}

// PodIdentityAssociationSummary is the model's list element.
type PodIdentityAssociationSummary struct {
	ClusterName    string `json:"clusterName"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	AssociationArn string `json:"associationArn"`
	AssociationID  string `json:"associationId"`
}

// ExternalID is the sts:ExternalId EKS Auth passes when it assumes an
// association's targetRoleArn, and that DescribePodIdentityAssociation
// reports as externalId so the target role's trust policy can require it.
// trustbridge uses the association ID, unique to the association; "" when
// the association has no target role.
func ExternalID(a *store.PodIdentityAssociation) string {
	if a.TargetRoleARN == "" {
		return ""
	}
	return a.AssociationID
}

func associationOut(a *store.PodIdentityAssociation) *PodIdentityAssociation {
	return &PodIdentityAssociation{
		ClusterName: a.Cluster.Name, Namespace: a.Namespace, ServiceAccount: a.ServiceAccount, RoleArn: a.RoleARN,
		AssociationArn: a.AssociationARN, AssociationID: a.AssociationID, Tags: tagsOut(a.Tags),
		CreatedAt: Epoch(a.CreatedAt), ModifiedAt: Epoch(a.ModifiedAt), DisableSessionTags: a.DisableSessionTags,
		TargetRoleArn: a.TargetRoleARN, ExternalID: ExternalID(a),
	}
}

// AccessEntry is the model's AccessEntry shape.
type AccessEntry struct {
	ClusterName      string            `json:"clusterName"`
	PrincipalArn     string            `json:"principalArn"`
	KubernetesGroups []string          `json:"kubernetesGroups"`
	AccessEntryArn   string            `json:"accessEntryArn"`
	CreatedAt        Epoch             `json:"createdAt"`
	ModifiedAt       Epoch             `json:"modifiedAt"`
	Tags             map[string]string `json:"tags"`
	Username         string            `json:"username"`
	Type             string            `json:"type"`
}

// accessEntryOut converts a stored entry. The store keeps the username and
// groups as given; the defaults EKS reports (and awsauth applies) are
// filled in here.
func accessEntryOut(e *store.AccessEntry) *AccessEntry {
	typ := e.Type
	if typ == "" {
		typ = TypeStandard
	}
	user, groups := EffectiveIdentity(e.PrincipalARN, typ, e.Username, e.KubernetesGroups)
	if groups == nil {
		groups = []string{}
	}
	return &AccessEntry{
		ClusterName: e.Cluster.Name, PrincipalArn: e.PrincipalARN, KubernetesGroups: groups, AccessEntryArn: e.AccessEntryARN,
		CreatedAt: Epoch(e.CreatedAt), ModifiedAt: Epoch(e.ModifiedAt), Tags: tagsOut(e.Tags), Username: user, Type: typ,
	}
}

// AccessScope is an associated access policy's scope.
type AccessScope struct {
	Type       string   `json:"type"`
	Namespaces []string `json:"namespaces"`
}

// AssociatedAccessPolicy is the model's AssociatedAccessPolicy shape.
type AssociatedAccessPolicy struct {
	PolicyArn    string      `json:"policyArn"`
	AccessScope  AccessScope `json:"accessScope"`
	AssociatedAt Epoch       `json:"associatedAt"`
	ModifiedAt   Epoch       `json:"modifiedAt"`
}

func associatedPolicyOut(a *store.AccessPolicyAssociation) AssociatedAccessPolicy {
	ns := a.AccessScope.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return AssociatedAccessPolicy{PolicyArn: a.PolicyARN, AccessScope: AccessScope{Type: a.AccessScope.Type, Namespaces: ns},
		AssociatedAt: Epoch(a.AssociatedAt), ModifiedAt: Epoch(a.ModifiedAt)}
}
