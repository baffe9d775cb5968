package eks

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// reservedUsernamePrefixes are the prefixes EKS refuses in an access
// entry's username.
var reservedUsernamePrefixes = []string{"system:", "eks:", "aws:", "amazon:", "iam:"}

// entryCall resolves an access entry addressed by cluster name and
// principal ARN, authorizes action on the entry's ARN (with its tags and
// eks:principalArn), and checks that the cluster exists and takes access
// entries. The entry is nil when it does not exist and need is false.
//
// The ARN of an entry ends with a unique ID; for an entry that does not
// exist yet it is authorized with "*" in place of that ID, so a policy on
// access-entry/CLUSTER/* decides the same either way.
func (s *Service) entryCall(ctx context.Context, c *auth.Caller, action, name, principalARN string, need bool, extra func(*policy.Context)) (*store.Cluster, *store.AccessEntry, error) {
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var e *store.AccessEntry
	if cl != nil {
		got, err := s.Store.GetAccessEntry(ctx, ref, principalARN)
		switch {
		case err == nil:
			e = &got
		case !errors.Is(err, store.ErrNotFound):
			return nil, nil, err
		}
	}
	resource := arn.AccessEntry(s.partition(), ref.Region, ref.Account, name, principalARN, "*")
	var tags map[string]string
	if e != nil {
		resource, tags = e.AccessEntryARN, e.Tags
	}
	ctxFn := func(pc *policy.Context) {
		pc.Set("eks:principalArn", principalARN)
		if extra != nil {
			extra(pc)
		}
	}
	if err := s.authorize(ctx, c, action, resource, tags, ctxFn, map[string]any{"clusterName": name, "principalArn": principalARN}); err != nil {
		return nil, nil, err
	}
	if cl == nil {
		return nil, nil, clusterNotFound(name)
	}
	if cl.AuthenticationMode == store.AuthModeConfigMap {
		return nil, nil, authModeRequired(name)
	}
	if e == nil && need {
		return nil, nil, accessEntryNotFound(name)
	}
	return cl, e, nil
}

// checkIdentity validates an access entry's username and groups for its
// type: node types take neither; STANDARD groups and usernames must not
// use the prefixes Kubernetes and EKS reserve.
func checkIdentity(cluster string, p principal, typ string, username *string, groups []string) error {
	if typ != TypeStandard {
		if !p.role {
			return invalidParameter(cluster, "Access entries of type "+typ+" must be for an IAM role.")
		}
		if (username != nil && *username != "") || len(groups) > 0 {
			return invalidParameter(cluster, "username and kubernetesGroups cannot be specified for access entries of type "+typ+".")
		}
		return nil
	}
	if username != nil {
		for _, pre := range reservedUsernamePrefixes {
			if strings.HasPrefix(strings.ToLower(*username), pre) {
				return invalidParameter(cluster, "The username "+truncate(*username, 256)+" is invalid: it cannot start with "+pre)
			}
		}
	}
	for _, g := range groups {
		if g == "" {
			return invalidParameter(cluster, "kubernetesGroups cannot contain an empty group name.")
		}
		if strings.HasPrefix(g, "system:") {
			return invalidParameter(cluster, "The kubernetes group name "+truncate(g, 256)+" is invalid, it cannot start with system:")
		}
	}
	return nil
}

// identityContext adds the condition keys of an access entry's identity.
func identityContext(pc *policy.Context, typ string, username *string, groups []string) {
	if typ != "" {
		pc.Set("eks:accessEntryType", typ)
	}
	if username != nil {
		pc.Set("eks:username", *username)
	}
	if groups != nil {
		pc.SetMulti("eks:kubernetesGroups", groups)
	}
}
