package kubeserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/k8s/mutate"
	"github.com/trustbridge/trustbridge/internal/k8s/tokenreview"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// credentials implements tokenreview.CredentialLookup over trustbridge's
// own authenticator: long-term keys from the store (through the cache),
// temporary keys from their sealed session tokens. Its errors are the
// authenticator's *apierror.Error values (InvalidClientTokenId,
// ExpiredToken), which never carry secrets.
type credentials struct {
	auth *auth.Authenticator
}

// LookupCredential implements tokenreview.CredentialLookup. The
// authenticator checks session expiry at its own clock, which is the
// clock the token is evaluated at (both come from the app's Now).
func (c credentials) LookupCredential(ctx context.Context, accessKeyID, sessionToken string, _ time.Time) (string, *tokenreview.CallerIdentity, error) {
	caller, secret, err := c.auth.Resolve(ctx, accessKeyID, sessionToken)
	if err != nil {
		return "", nil, err
	}
	p := caller.Principal
	id := &tokenreview.CallerIdentity{Account: p.Account, ARN: p.ARN, UserID: p.UserID}
	switch p.Type {
	case policy.RoleSession:
		// The role ARN with its path, which the session ARN drops.
		id.PrincipalARN = p.RoleARN
	case policy.User, policy.Root:
		id.PrincipalARN = p.ARN
	}
	return secret, id, nil
}

// associations implements mutate.Associations over the app's cache: the
// pod identity association of a ServiceAccount of the served cluster.
type associations struct {
	cache *storecache.Cache
	ref   store.ClusterRef
}

// Lookup implements mutate.Associations. Clusters other than the served
// one have no associations here.
func (a associations) Lookup(ctx context.Context, cluster, namespace, serviceAccount string) (string, bool, error) {
	if cluster != a.ref.Name {
		return "", false, nil
	}
	as, err := a.cache.PodIdentityAssociation(ctx, a.ref, namespace, serviceAccount)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return as.RoleARN, true, nil
}

// noServiceAccounts is the mutate.ServiceAccounts of a server without a
// Kubernetes client: every lookup fails with a clear reason, so pods are
// admitted unmutated (or denied with DenyOnError) and the log says why.
type noServiceAccounts struct{}

func (noServiceAccounts) Get(_ context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	return nil, fmt.Errorf("serviceaccount %s/%s: no Kubernetes API access configured (give --kubeconfig, or run in the cluster)", namespace, name)
}

var (
	_ mutate.Associations          = associations{}
	_ mutate.ServiceAccounts       = noServiceAccounts{}
	_ tokenreview.CredentialLookup = credentials{}
)
