package accesspolicy

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// A Decision records one authorization for logs and explain output.
type Decision struct {
	Time    time.Time
	Cluster string
	User    string
	// Allowed is true when an access policy allowed the request; false
	// means no opinion (RBAC and the other authorizers decide).
	Allowed bool
	// Policy and Scope name the association that allowed the request.
	Policy string
	Scope  Scope
	// Reason explains the outcome in one line.
	Reason string
	// Request describes the request ("list pods in namespace default").
	Request string
	// Err is set when the associations could not be looked up.
	Err error
}

// An Authorizer decides SubjectAccessReviews from EKS access policies. It
// only ever allows or has no opinion; it never denies, so whatever the
// access policies do not grant is left to RBAC (which keeps aws-auth
// groups such as system:masters working).
type Authorizer struct {
	// Associations finds the user's access policies. Required.
	Associations AssociationSource
	// Policies gives each cluster's policy rules. If nil, Builtin() is
	// used for every cluster.
	Policies *PolicyStore
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// OnDecision, if set, is called once per Authorize. It must not block.
	OnDecision func(Decision)
}

// Authorize decides a request in cluster. An association applies when its
// policy is one of the four known ones and its scope covers the request:
// cluster scope everywhere; namespace scope only namespaced requests in a
// listed namespace (so a namespace-scoped policy never grants
// cluster-scoped resources, non-resource URLs or all-namespace lists,
// like a RoleBinding). The request is allowed when an applicable
// policy's rules allow it.
func (a *Authorizer) Authorize(ctx context.Context, cluster string, attr *Attributes) Decision {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	d := Decision{Time: now(), Cluster: cluster, User: attr.User}
	if a.OnDecision != nil {
		d.Request = describe(attr)
	}
	assocs, err := a.Associations.Associations(ctx, cluster, attr.User, attr.Groups, attr.Extra)
	switch {
	case err != nil:
		d.Err = err
		d.Reason = "no opinion: access policy lookup failed"
	case len(assocs) == 0:
		d.Reason = "no opinion: no access policies associated with this user"
	default:
		d.decide(a.Policies.Get(cluster), assocs, attr)
	}
	if a.OnDecision != nil {
		a.OnDecision(d)
	}
	return d
}

func (d *Decision) decide(p *Policies, assocs []Association, attr *Attributes) {
	inScope := false
	for i := range assocs {
		as := &assocs[i]
		name, err := PolicyName(as.PolicyARN)
		if err != nil || !Known(name) {
			continue
		}
		if !as.Scope.inScope(attr.scopeNamespace()) {
			continue
		}
		inScope = true
		if anyAllows(p.Rules(name), attr) {
			d.Allowed, d.Policy, d.Scope = true, name, as.Scope
			d.Reason = fmt.Sprintf("allowed by %s (%s scope)", name, as.Scope.Type)
			return
		}
	}
	if inScope {
		d.Reason = "no opinion: the associated access policies do not grant this request"
	} else {
		d.Reason = "no opinion: no associated access policy is scoped to this request"
	}
}

// scopeNamespace is the namespace a request is scoped to: empty for
// non-resource and cluster-scoped requests.
func (a *Attributes) scopeNamespace() string {
	if !a.ResourceRequest {
		return ""
	}
	return a.Namespace
}

// describe renders the request for decisions: "list pods in namespace
// default", "get /healthz".
func describe(a *Attributes) string {
	if !a.ResourceRequest {
		return a.Verb + " " + a.Path
	}
	var b strings.Builder
	b.WriteString(a.Verb + " " + a.Resource)
	if a.Subresource != "" {
		b.WriteString("/" + a.Subresource)
	}
	if a.APIGroup != "" {
		b.WriteString("." + a.APIGroup)
	}
	if a.Name != "" {
		b.WriteString(" " + a.Name)
	}
	if a.Namespace != "" {
		b.WriteString(" in namespace " + a.Namespace)
	} else {
		b.WriteString(" cluster-wide")
	}
	return b.String()
}

// LogDecisions returns an OnDecision function that logs allowed requests
// and lookup failures at Info and Warn, and no-opinion answers at Debug.
func LogDecisions(logger *slog.Logger) func(Decision) {
	return func(d Decision) {
		attrs := []slog.Attr{slog.String("cluster", d.Cluster), slog.String("user", d.User), slog.String("request", d.Request), slog.String("reason", d.Reason)}
		switch {
		case d.Err != nil:
			attrs = append(attrs, slog.String("error", d.Err.Error()))
			logger.LogAttrs(context.Background(), slog.LevelWarn, "access policy lookup failed", attrs...)
		case d.Allowed:
			logger.LogAttrs(context.Background(), slog.LevelInfo, "access policy allowed", attrs...)
		default:
			logger.LogAttrs(context.Background(), slog.LevelDebug, "access policy no opinion", attrs...)
		}
	}
}
