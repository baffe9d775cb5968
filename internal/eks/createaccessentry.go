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

// CreateAccessEntryInput is the request body.
type CreateAccessEntryInput struct {
	PrincipalArn       string            `json:"principalArn"`
	KubernetesGroups   []string          `json:"kubernetesGroups"`
	Tags               map[string]string `json:"tags"`
	ClientRequestToken string            `json:"clientRequestToken"`
	Username           *string           `json:"username"`
	Type               string            `json:"type"`
}

// AccessEntryOutput is the response of the single-entry actions.
type AccessEntryOutput struct {
	AccessEntry *AccessEntry `json:"accessEntry"`
}

// createAccessEntry gives an IAM user or role access to the cluster. The
// username and groups are stored as given; the defaults are reported by
// Describe and applied by awsauth.
func (s *Service) createAccessEntry(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	var in CreateAccessEntryInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	typ := in.Type
	if typ == "" {
		typ = TypeStandard
	}
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	extra := func(pc *policy.Context) {
		pc.Set("eks:principalArn", in.PrincipalArn)
		identityContext(pc, typ, in.Username, in.KubernetesGroups)
		requestTags(pc, in.Tags)
	}
	params := map[string]any{"clusterName": name, "principalArn": in.PrincipalArn}
	if err := s.authorize(ctx, c, "CreateAccessEntry", s.clusterARN(ref), clusterTags(cl), extra, params); err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, clusterNotFound(name)
	}
	if cl.AuthenticationMode == store.AuthModeConfigMap {
		return nil, authModeRequired(name)
	}
	if in.PrincipalArn == "" {
		return nil, invalidParameter(name, "principalArn is required.")
	}
	p, ok := parsePrincipal(s.partition(), in.PrincipalArn)
	if !ok {
		return nil, invalidParameter(name, "The specified principalArn is invalid: invalid ARN")
	}
	if !contains(accessEntryTypes, typ) {
		return nil, invalidParameter(name, "The type "+truncate(typ, 64)+" is invalid; valid types are STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, EC2, HYBRID_LINUX and HYPERPOD_LINUX.")
	}
	if err := checkIdentity(name, p, typ, in.Username, in.KubernetesGroups); err != nil {
		return nil, err
	}
	if err := checkTags(name, in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	e := store.AccessEntry{Cluster: ref, PrincipalARN: in.PrincipalArn, KubernetesGroups: in.KubernetesGroups, Type: typ,
		CreatedAt: now, ModifiedAt: now, Tags: in.Tags,
		AccessEntryARN: arn.AccessEntry(s.partition(), ref.Region, ref.Account, name, in.PrincipalArn, s.newUUID())}
	if in.Username != nil {
		e.Username = *in.Username
	}
	err = s.Store.CreateAccessEntry(ctx, e)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, accessEntryExists(name)
	}
	if err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return &AccessEntryOutput{AccessEntry: accessEntryOut(&e)}, nil
}
