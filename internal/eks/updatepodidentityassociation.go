package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdatePodIdentityAssociationInput is the request body. Absent members
// keep their values; targetRoleArn "" removes the target role.
type UpdatePodIdentityAssociationInput struct {
	RoleArn            *string `json:"roleArn"`
	ClientRequestToken string  `json:"clientRequestToken"`
	DisableSessionTags *bool   `json:"disableSessionTags"`
	TargetRoleArn      *string `json:"targetRoleArn"`
	Policy             *string `json:"policy"`
}

// updatePodIdentityAssociation changes an association's roles and
// session tag setting. A new roleArn needs iam:PassRole.
func (s *Service) updatePodIdentityAssociation(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name, id := r.PathValue("name"), r.PathValue("associationId")
	var in UpdatePodIdentityAssociationInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	cl, a, err := s.associationCall(ctx, c, "UpdatePodIdentityAssociation", name, id)
	if err != nil {
		return nil, err
	}
	if in.Policy != nil {
		return nil, invalidParameter(name, "trustbridge does not support the policy member of pod identity associations.")
	}
	role, target := a.RoleARN, a.TargetRoleARN
	if in.RoleArn != nil {
		role = *in.RoleArn
	}
	if in.TargetRoleArn != nil {
		target = *in.TargetRoleArn
	}
	if err := s.checkRoles(ctx, cl, role, target, role != a.RoleARN); err != nil {
		return nil, err
	}
	params := map[string]any{"clusterName": name, "associationId": id}
	if role != a.RoleARN {
		if err := s.authorizePassRole(ctx, c, "UpdatePodIdentityAssociation", role, params); err != nil {
			return nil, err
		}
	}
	var updated store.PodIdentityAssociation
	err = s.Store.UpdatePodIdentityAssociation(ctx, a.Cluster, id, func(p *store.PodIdentityAssociation) error {
		p.RoleARN, p.TargetRoleARN = role, target
		if in.DisableSessionTags != nil {
			p.DisableSessionTags = *in.DisableSessionTags
		}
		p.ModifiedAt = s.now()
		updated = *p
		return nil
	})
	if err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return &associationOutput{Association: associationOut(&updated)}, nil
}
