package eks

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// PodsServicePrincipal is the service principal of EKS Pod Identity: the
// principal a role's trust policy must allow, and the iam:PassedToService
// of the roles passed to associations.
const PodsServicePrincipal = "pods.eks.amazonaws.com"

// associationOutput is the response of the single-association actions.
type associationOutput struct {
	Association *PodIdentityAssociation `json:"association"`
}

// associationCall resolves an association addressed by cluster name and
// ID, and authorizes action on its ARN (with its tags). The returned
// association is nil when it does not exist; the cluster is nil when the
// cluster does not exist. Callers answer ResourceNotFoundException after
// authorization succeeded.
func (s *Service) associationCall(ctx context.Context, c *auth.Caller, action, name, id string) (*store.Cluster, *store.PodIdentityAssociation, error) {
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var a *store.PodIdentityAssociation
	if cl != nil {
		got, err := s.Store.GetPodIdentityAssociation(ctx, ref, id)
		switch {
		case err == nil:
			a = &got
		case !errors.Is(err, store.ErrNotFound):
			return nil, nil, err
		}
	}
	resource := arn.PodIdentityAssociation(s.partition(), ref.Region, ref.Account, name, id)
	var tags map[string]string
	if a != nil {
		tags = a.Tags
	}
	if err := s.authorize(ctx, c, action, resource, tags, nil, map[string]any{"clusterName": name, "associationId": id}); err != nil {
		return nil, nil, err
	}
	if cl == nil {
		return nil, nil, clusterNotFound(name)
	}
	if a == nil {
		return nil, nil, associationNotFound(name, id)
	}
	return cl, a, nil
}

// checkRoles validates an association's roles: roleArn must be a role of
// the cluster's account, and one that exists if mustExist (a new or
// changed role); targetRoleArn, if set, any role ARN in the partition (it
// may be in another account, possibly unknown here).
func (s *Service) checkRoles(ctx context.Context, cl *store.Cluster, roleARN, targetRoleARN string, mustExist bool) error {
	acct, _, name, err := arn.IAMResource(roleARN, "role")
	if a, perr := arn.Parse(roleARN); err != nil || perr != nil || a.Partition != s.partition() {
		return invalidParameter(cl.Name, "roleArn "+truncate(roleARN, 256)+" is not a valid IAM role ARN.")
	}
	if acct != cl.Account {
		return invalidParameter(cl.Name, "The role "+roleARN+" must be in the cluster's account "+cl.Account+"; to use a role in another account, set targetRoleArn.")
	}
	if mustExist {
		if _, err := s.Cache.Role(ctx, s.partition(), acct, name); errors.Is(err, store.ErrNotFound) {
			return invalidParameter(cl.Name, "The role "+roleARN+" does not exist.")
		} else if err != nil {
			return err
		}
	}
	if targetRoleARN != "" {
		_, _, _, err := arn.IAMResource(targetRoleARN, "role")
		if a, perr := arn.Parse(targetRoleARN); err != nil || perr != nil || a.Partition != s.partition() {
			return invalidParameter(cl.Name, "targetRoleArn "+truncate(targetRoleARN, 256)+" is not a valid IAM role ARN.")
		}
	}
	return nil
}

// authorizePassRole checks that the caller may pass roleARN to EKS Pod
// Identity (iam:PassRole with iam:PassedToService), as EKS requires of
// whoever creates or updates an association: without it, anyone allowed
// to create associations could hand any role to any pod.
func (s *Service) authorizePassRole(ctx context.Context, c *auth.Caller, event, roleARN string, params map[string]any) error {
	return s.Authz.Authorize(ctx, c, authz.Request{
		Action: "iam:PassRole", Resource: roleARN,
		Context: func(pc *policy.Context) {
			pc.Set("iam:PassedToService", PodsServicePrincipal)
		},
		Event: event, Service: eventSource, Params: params,
	})
}
