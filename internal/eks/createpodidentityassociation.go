package eks

import (
	"context"
	"errors"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// CreatePodIdentityAssociationInput is the request body.
type CreatePodIdentityAssociationInput struct {
	Namespace          string            `json:"namespace"`
	ServiceAccount     string            `json:"serviceAccount"`
	RoleArn            string            `json:"roleArn"`
	ClientRequestToken string            `json:"clientRequestToken"`
	Tags               map[string]string `json:"tags"`
	DisableSessionTags *bool             `json:"disableSessionTags"`
	TargetRoleArn      string            `json:"targetRoleArn"`
	// Policy (an association session policy) is not supported.
	Policy *string `json:"policy"`
}

// createPodIdentityAssociation maps a service account to a role. The
// caller needs eks:CreatePodIdentityAssociation on the cluster and
// iam:PassRole on the role.
func (s *Service) createPodIdentityAssociation(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	var in CreatePodIdentityAssociationInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	params := map[string]any{"clusterName": name, "namespace": in.Namespace, "serviceAccount": in.ServiceAccount, "roleArn": in.RoleArn}
	if err := s.authorize(ctx, c, "CreatePodIdentityAssociation", s.clusterARN(ref), clusterTags(cl), func(pc *policy.Context) { requestTags(pc, in.Tags) }, params); err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, clusterNotFound(name)
	}
	switch {
	case in.Namespace == "" || in.ServiceAccount == "" || in.RoleArn == "":
		return nil, invalidParameter(name, "namespace, serviceAccount and roleArn are required.")
	case !validNamespace(in.Namespace):
		return nil, invalidParameter(name, "namespace "+truncate(in.Namespace, 100)+" is not a valid Kubernetes namespace name.")
	case !validServiceAccount(in.ServiceAccount):
		return nil, invalidParameter(name, "serviceAccount "+truncate(in.ServiceAccount, 300)+" is not a valid Kubernetes service account name.")
	case in.Policy != nil:
		return nil, invalidParameter(name, "trustbridge does not support the policy member of pod identity associations.")
	}
	if err := checkTags(name, in.Tags); err != nil {
		return nil, err
	}
	if err := s.checkRoles(ctx, cl, in.RoleArn, in.TargetRoleArn, true); err != nil {
		return nil, err
	}
	if err := s.authorizePassRole(ctx, c, "CreatePodIdentityAssociation", in.RoleArn, params); err != nil {
		return nil, err
	}
	now := s.now()
	id := s.newAssociationID()
	a := store.PodIdentityAssociation{
		Cluster: ref, AssociationID: id, Namespace: in.Namespace, ServiceAccount: in.ServiceAccount,
		RoleARN: in.RoleArn, TargetRoleARN: in.TargetRoleArn, DisableSessionTags: in.DisableSessionTags != nil && *in.DisableSessionTags,
		AssociationARN: arn.PodIdentityAssociation(s.partition(), ref.Region, ref.Account, name, id),
		Tags:           in.Tags, CreatedAt: now, ModifiedAt: now,
	}
	err = s.Store.CreatePodIdentityAssociation(ctx, a)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, associationExists(name, in.Namespace, in.ServiceAccount)
	}
	if err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return &associationOutput{Association: associationOut(&a)}, nil
}
