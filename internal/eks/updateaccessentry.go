package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateAccessEntryInput is the request body. Absent members keep their
// values; kubernetesGroups [] removes every group.
type UpdateAccessEntryInput struct {
	KubernetesGroups   *[]string `json:"kubernetesGroups"`
	ClientRequestToken string    `json:"clientRequestToken"`
	Username           *string   `json:"username"`
}

// updateAccessEntry changes a STANDARD entry's username or groups.
func (s *Service) updateAccessEntry(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name, principalARN := r.PathValue("name"), r.PathValue("principalArn")
	var in UpdateAccessEntryInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	var groups []string
	if in.KubernetesGroups != nil {
		groups = *in.KubernetesGroups
		if groups == nil {
			groups = []string{}
		}
	}
	extra := func(pc *policy.Context) { identityContext(pc, "", in.Username, groups) }
	_, e, err := s.entryCall(ctx, c, "UpdateAccessEntry", name, principalARN, true, extra)
	if err != nil {
		return nil, err
	}
	p, _ := parsePrincipal(s.partition(), e.PrincipalARN)
	typ := e.Type
	if typ == "" {
		typ = TypeStandard
	}
	if err := checkIdentity(name, p, typ, in.Username, groups); err != nil {
		return nil, err
	}
	var updated store.AccessEntry
	err = s.Store.UpdateAccessEntry(ctx, e.Cluster, principalARN, func(u *store.AccessEntry) error {
		if in.KubernetesGroups != nil {
			u.KubernetesGroups = groups
		}
		if in.Username != nil {
			u.Username = *in.Username
		}
		u.ModifiedAt = s.now()
		updated = *u
		return nil
	})
	if err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return &AccessEntryOutput{AccessEntry: accessEntryOut(&updated)}, nil
}
