package eksauth

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/eks"
	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
	"github.com/trustbridge/trustbridge/internal/sts"
)

// The session tags EKS attaches to Pod Identity sessions (all transitive).
const (
	TagClusterARN     = "eks-cluster-arn"
	TagClusterName    = "eks-cluster-name"
	TagNamespace      = "kubernetes-namespace"
	TagServiceAccount = "kubernetes-service-account"
	TagPodName        = "kubernetes-pod-name"
	TagPodUID         = "kubernetes-pod-uid"
)

// maxSessionName is STS's limit on role session names.
const maxSessionName = 64

var (
	clusterNameRE = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]*$`)
)

// AssumeRoleForPodIdentityInput is the request body.
type AssumeRoleForPodIdentityInput struct {
	Token string `json:"token"`
}

// AssumeRoleForPodIdentityOutput is the response (every member required).
type AssumeRoleForPodIdentityOutput struct {
	Subject                Subject                `json:"subject"`
	Audience               string                 `json:"audience"`
	PodIdentityAssociation PodIdentityAssociation `json:"podIdentityAssociation"`
	AssumedRoleUser        AssumedRoleUser        `json:"assumedRoleUser"`
	Credentials            Credentials            `json:"credentials"`
}

// Subject is the service account the token was issued to.
type Subject struct {
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
}

// PodIdentityAssociation identifies the association used.
type PodIdentityAssociation struct {
	AssociationArn string `json:"associationArn"`
	AssociationID  string `json:"associationId"`
}

// AssumedRoleUser is the role session the credentials belong to.
type AssumedRoleUser struct {
	Arn          string `json:"arn"`
	AssumeRoleID string `json:"assumeRoleId"`
}

// Credentials are the temporary credentials; expiration is epoch seconds,
// the protocol's timestamp format.
type Credentials struct {
	SessionToken    string    `json:"sessionToken"`
	SecretAccessKey string    `json:"secretAccessKey"`
	AccessKeyID     string    `json:"accessKeyId"`
	Expiration      eks.Epoch `json:"expiration"`
}

// request carries what one call has established, for the audit events.
type request struct {
	c       *auth.Caller
	now     time.Time
	cluster *store.Cluster
	params  map[string]any
}

// event returns an audit event for a decision about action on resource.
func (q *request) event(ctx context.Context, action, resource string) *audit.Event {
	return &audit.Event{EventSource: eventSource, EventName: "AssumeRoleForPodIdentity", AWSRegion: q.c.Region,
		SourceIPAddress: q.c.SourceIP, UserIdentity: authz.Identity(q.c), RequestParameters: q.params, RequestID: server.RequestID(ctx),
		Decision: &audit.Decision{Action: action, Resource: resource}}
}

// assumeRoleForPodIdentity exchanges a pod's service account token for
// credentials of the role its service account is associated with.
//
// Order: the caller's authorization (eks-auth:AssumeRoleForPodIdentity on
// the cluster ARN), parameters, the cluster, the token (signature, expiry,
// issuer, audience exactly pods.eks.amazonaws.com, a service account and
// a pod), the association, the role's trust policy for the service
// principal, then the target role if any.
//
// Every outcome is written to the audit stream: denials by the policy
// engine where they are decided (and kept for trustbridge explain), other
// failures here with their explanation as the summary.
func (s *Service) assumeRoleForPodIdentity(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	q := &request{c: c, now: s.now(), params: map[string]any{"clusterName": r.PathValue("clusterName")}}
	out, err := s.assume(ctx, q, r)
	if e, ok := apierror.As(err); ok && e.Code != "AccessDenied" && e.Code != "AccessDeniedException" {
		ev := q.event(ctx, "eks-auth:AssumeRoleForPodIdentity", "")
		ev.ErrorCode, ev.Decision.Decision, ev.Decision.Summary = e.Code, "ImplicitlyDenied", e.Explanation
		if q.cluster != nil {
			ev.Decision.Resource = q.cluster.ARN
		}
		s.Authz.RecordExternal(ctx, ev, nil)
	}
	return out, err
}

func (s *Service) assume(ctx context.Context, q *request, r *http.Request) (any, error) {
	c := q.c
	name := r.PathValue("clusterName")
	var in AssumeRoleForPodIdentityInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	ref := store.ClusterRef{Account: c.Principal.Account, Region: region, Name: name}
	clusterARN := arn.Cluster(s.partition(), region, ref.Account, name)
	if err := s.Authz.Authorize(ctx, c, authz.Request{Action: "eks-auth:AssumeRoleForPodIdentity", Resource: clusterARN,
		Event: "AssumeRoleForPodIdentity", Service: eventSource, Params: q.params}); err != nil {
		return nil, err
	}
	if len(name) > 100 || !clusterNameRE.MatchString(name) {
		return nil, invalidParameter("The cluster name is not valid.")
	}
	if in.Token == "" {
		return nil, invalidParameter("token is required.")
	}
	if !isJWT(in.Token) {
		return nil, invalidToken("the token is not a JWT (three base64url parts separated by dots)")
	}
	cl, err := s.Cache.Cluster(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("No cluster found for name: " + name + ".").
			WithExplanation("account " + ref.Account + " has no cluster " + name + " in region " + region + " (the region of the request's signature)")
	}
	if err != nil {
		return nil, err
	}
	q.cluster = cl
	if cl.OIDCIssuer == "" {
		return nil, invalidRequest("The cluster has no service account issuer.").
			WithExplanation("cluster " + cl.ARN + " has no OIDC issuer; set oidcIssuer in the world file or trustbridge.oidcIssuer in CreateCluster")
	}
	claims, err := s.OIDC.Verify(ctx, &oidc.Provider{URL: arn.ProviderKey(cl.OIDCIssuer), ARN: cl.ARN, ClientIDs: []string{Audience},
		CABundle: []byte(cl.OIDCIssuerCABundle)}, in.Token)
	if err != nil {
		return nil, tokenError(err)
	}
	ns, sa, pod, podUID, err := subject(claims)
	if err != nil {
		return nil, err
	}
	q.params["namespace"], q.params["serviceAccount"], q.params["podName"] = ns, sa, pod
	a, err := s.Cache.PodIdentityAssociation(ctx, ref, ns, sa)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("No Pod Identity association found for service account " + sa + " in namespace " + ns + " of cluster " + name + ".").
			WithExplanation("create one with: aws eks create-pod-identity-association --cluster-name " + name + " --namespace " + ns + " --service-account " + sa + " --role-arn ROLE_ARN")
	}
	if err != nil {
		return nil, err
	}
	q.params["associationId"] = a.AssociationID

	sessionName := s.sessionName(cl.Name, pod)
	var tags []sessiontoken.Tag
	var transitive []string
	if !a.DisableSessionTags {
		tags = []sessiontoken.Tag{
			{Key: TagClusterARN, Value: cl.ARN}, {Key: TagClusterName, Value: cl.Name},
			{Key: TagNamespace, Value: ns}, {Key: TagServiceAccount, Value: sa},
			{Key: TagPodName, Value: pod}, {Key: TagPodUID, Value: podUID},
		}
		for _, t := range tags {
			transitive = append(transitive, t.Key)
		}
	}
	role, err := s.trustedRole(ctx, q, a.RoleARN, sessionName, tags)
	if err != nil {
		return nil, err
	}
	sess := &sessiontoken.Session{
		Account: role.Account, Type: sessiontoken.TypePodIdentity,
		PrincipalARN: arn.AssumedRole(s.partition(), role.Account, role.Name, sessionName),
		RoleARN:      role.ARN, RoleID: role.RoleID, SessionName: sessionName,
		IssuedAt: q.now, Expiration: q.now.Add(CredentialDuration),
		Tags: tags, TransitiveTagKeys: transitive,
	}
	if a.TargetRoleARN != "" {
		if sess, err = s.chain(ctx, q, a, role, sess); err != nil {
			return nil, err
		}
	}
	creds, err := sts.Issue(s.Ring, sess)
	if err != nil {
		return nil, err
	}
	ev := q.event(ctx, "sts:AssumeRole", sess.RoleARN)
	ev.Decision.Decision = "Allowed"
	s.Authz.RecordExternal(ctx, ev, nil)
	return &AssumeRoleForPodIdentityOutput{
		Subject:                Subject{Namespace: ns, ServiceAccount: sa},
		Audience:               Audience,
		PodIdentityAssociation: PodIdentityAssociation{AssociationArn: a.AssociationARN, AssociationID: a.AssociationID},
		AssumedRoleUser:        AssumedRoleUser{Arn: sess.PrincipalARN, AssumeRoleID: sess.RoleID + ":" + sessionName},
		Credentials: Credentials{SessionToken: creds.SessionToken, SecretAccessKey: sess.SecretAccessKey, AccessKeyID: sess.AccessKeyID,
			Expiration: eks.Epoch(sess.Expiration)},
	}, nil
}

// isJWT reports whether s matches the model's JwtToken pattern
// ([A-Za-z0-9-_=]+ three times, separated by dots), without a regexp: the
// check runs on every request over tokens of a kilobyte or more.
func isJWT(s string) bool {
	dots, run := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if run == 0 {
				return false
			}
			dots, run = dots+1, 0
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '=':
			run++
		default:
			return false
		}
	}
	return dots == 2 && run > 0
}

// subject returns the namespace, service account, pod name and pod UID of
// a verified token. They come from the kubernetes.io claim; a token
// without one may name its service account in sub
// (system:serviceaccount:NS:SA), and when both are present they must
// agree. The token must be bound to a pod: its name and UID become session
// tags and the session name, and binding makes the token die with the pod.
func subject(c *oidc.Claims) (ns, sa, pod, podUID string, err error) {
	var subNS, subSA string
	if rest, ok := strings.CutPrefix(c.Subject, "system:serviceaccount:"); ok {
		subNS, subSA, _ = strings.Cut(rest, ":")
	}
	k := c.Kubernetes
	if k != nil {
		ns, sa, pod, podUID = k.Namespace, k.ServiceAccountName, k.PodName, k.PodUID
	}
	if ns == "" && sa == "" {
		ns, sa = subNS, subSA
	} else if subNS != "" && (subNS != ns || subSA != sa) {
		return "", "", "", "", invalidToken("the token's sub " + strconv.Quote(c.Subject) + " disagrees with its kubernetes.io claim (" + ns + "/" + sa + ")")
	}
	if !audienceIs(c.Audience) {
		return "", "", "", "", invalidToken("the token's aud must include " + Audience)
	}
	switch {
	case ns == "" || sa == "":
		return "", "", "", "", invalidToken("the token names no Kubernetes service account (no kubernetes.io claim and sub is not system:serviceaccount:NAMESPACE:NAME)")
	case pod == "" || podUID == "":
		return "", "", "", "", invalidToken("the token for " + ns + "/" + sa + " is not bound to a pod; Pod Identity needs the projected token of a pod (audience " + Audience + ")")
	}
	return ns, sa, pod, podUID, nil
}

// audienceIs reports whether aud itself (not azp) includes Audience; the
// verifier would also accept an azp.
func audienceIs(aud []string) bool { return slices.Contains(aud, Audience) }

// sessionName returns eks-CLUSTER-POD-UUID, shortened from the middle to
// STS's 64 characters so the UUID that makes it unique survives.
func (s *Service) sessionName(cluster, pod string) string {
	suffix := "-" + s.newUUID()
	prefix := "eks-" + cluster + "-" + pod
	if len(prefix)+len(suffix) > maxSessionName {
		prefix = strings.TrimRight(prefix[:maxSessionName-len(suffix)], "-")
	}
	return prefix + suffix
}

// trustedRole looks up the association's role and evaluates its trust
// policy for the service principal pods.eks.amazonaws.com: sts:AssumeRole,
// and sts:TagSession when tags are attached. A denial is recorded with its
// explanation.
func (s *Service) trustedRole(ctx context.Context, q *request, roleARN, sessionName string, tags []sessiontoken.Tag) (*storecache.Role, error) {
	deny := func(action, why string, res *policy.Result) error {
		msg := "Failed to assume role " + roleARN + ": not authorized to perform " + action + "."
		ev := q.event(ctx, action, roleARN)
		ev.ErrorCode = "AccessDeniedException"
		if res == nil {
			ev.Decision.Decision, ev.Decision.Summary = "ImplicitlyDenied", why
		}
		s.Authz.RecordExternal(ctx, ev, res)
		return accessDenied(msg, why+" (trustbridge explain "+server.RequestID(ctx)+")")
	}
	role, why, err := s.lookupRole(ctx, roleARN)
	if err != nil {
		return nil, err
	}
	if why != "" {
		return nil, deny("sts:AssumeRole", why, nil)
	}
	principal := policy.Principal{Type: policy.Service, ARN: Audience}
	pc := policy.NewContext()
	pc.AddPrincipal(principal)
	pc.Set("aws:PrincipalIsAWSService", "true")
	pc.Set("aws:CurrentTime", q.now.Format(time.RFC3339))
	pc.Set("aws:EpochTime", strconv.FormatInt(q.now.Unix(), 10))
	pc.Set("aws:SourceAccount", q.cluster.Account)
	pc.Set("aws:SourceArn", q.cluster.ARN)
	pc.Set("sts:RoleSessionName", sessionName)
	tagContext(pc, tags)
	actions := []string{"sts:AssumeRole"}
	if len(tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	for _, action := range actions {
		in := &policy.Input{Request: policy.Request{Principal: principal, Action: action, Resource: role.ARN, ResourceAccount: role.Account, Context: pc},
			ResourcePolicy: role.Trust, ResourceIsRoleTrust: true}
		if policy.Evaluate(in) == policy.Allowed {
			continue
		}
		res := policy.Explain(in)
		return nil, deny(action, trustHint(res, role, action), res)
	}
	return role, nil
}

// lookupRole resolves a role ARN through the cache. A role that cannot be
// used is not an error: why says what is wrong, for the AccessDenied
// explanation.
func (s *Service) lookupRole(ctx context.Context, roleARN string) (role *storecache.Role, why string, err error) {
	acct, path, name, perr := arn.IAMResource(roleARN, "role")
	if perr != nil {
		return nil, strconv.Quote(roleARN) + " is not a role ARN", nil
	}
	r, err := s.Cache.Role(ctx, s.partition(), acct, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "role " + name + " does not exist in account " + acct, nil
	}
	if err != nil {
		return nil, "", err
	}
	if r.Path != path || r.Name != name {
		return nil, "the role's ARN is " + r.ARN + ", not " + roleARN, nil
	}
	if r.Trust == nil {
		return nil, "the trust policy of role " + r.Name + " does not parse, so nobody can assume it", nil
	}
	return r, "", nil
}

// trustHint is the explanation of a trust policy denial, naming the usual
// mistake plainly.
func trustHint(res *policy.Result, role *storecache.Role, action string) string {
	for _, p := range res.Policies {
		for _, st := range p.Statements {
			if st.Principal != nil && slices.Contains(st.Principal.PolicyValues, Audience) {
				return res.Summary()
			}
		}
	}
	return res.Summary() + "; the trust policy of " + role.ARN + " has no statement for the service principal " + Audience +
		": add {\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"" + Audience + "\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}"
}

// tagContext adds aws:RequestTag/..., aws:TagKeys and
// sts:TransitiveTagKeys for the session tags.
func tagContext(pc *policy.Context, tags []sessiontoken.Tag) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		pc.Set("aws:RequestTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	pc.SetMulti("aws:TagKeys", keys)
	pc.SetMulti("sts:TransitiveTagKeys", keys)
}

// chain assumes the association's targetRoleArn with the first role's
// session, as EKS does for cross-account Pod Identity: the target role's
// trust policy and the first role's permissions (through authz, with the
// session's tags and boundary) must allow sts:AssumeRole — with
// sts:ExternalId set to the association's external ID — and
// sts:TagSession when the session carries tags. The chained session
// inherits the (transitive) tags and lasts ChainedCredentialDuration.
func (s *Service) chain(ctx context.Context, q *request, a *store.PodIdentityAssociation, first *storecache.Role, sess *sessiontoken.Session) (*sessiontoken.Session, error) {
	caller := &auth.Caller{
		Principal: policy.Principal{Type: policy.RoleSession, ARN: sess.PrincipalARN, Account: first.Account, RoleARN: first.ARN, UserID: first.RoleID + ":" + sess.SessionName},
		RoleName:  first.Name, RolePath: first.Path, RoleID: first.RoleID, SessionName: sess.SessionName,
		PrincipalTags: first.Tags, BoundaryARN: first.PermissionsBoundaryARN,
		Temporary: true, SessionType: string(sessiontoken.TypePodIdentity), TransitiveTagKeys: sess.TransitiveTagKeys,
		IssuedAt: sess.IssuedAt, Expiration: sess.Expiration, Region: q.c.Region, Time: q.now, Secure: true,
	}
	for _, t := range sess.Tags {
		caller.SessionTags = append(caller.SessionTags, auth.Tag{Key: t.Key, Value: t.Value})
	}
	msg := func(action string) string {
		return "Failed to assume target role " + a.TargetRoleARN + ": not authorized to perform " + action + "."
	}
	target, why, err := s.lookupRole(ctx, a.TargetRoleARN)
	if err != nil {
		return nil, err
	}
	if why != "" {
		ev := q.event(ctx, "sts:AssumeRole", a.TargetRoleARN)
		ev.ErrorCode, ev.Decision.Decision, ev.Decision.Summary = "AccessDeniedException", "ImplicitlyDenied", why
		s.Authz.RecordExternal(ctx, ev, nil)
		return nil, accessDenied(msg("sts:AssumeRole"), why+" (trustbridge explain "+server.RequestID(ctx)+")")
	}
	extra := func(pc *policy.Context) {
		pc.Set("sts:ExternalId", eks.ExternalID(a))
		pc.Set("sts:RoleSessionName", sess.SessionName)
		pc.Set("aws:SourceAccount", q.cluster.Account)
		pc.Set("aws:SourceArn", q.cluster.ARN)
		tagContext(pc, sess.Tags)
	}
	actions := []string{"sts:AssumeRole"}
	if len(sess.Tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	for _, action := range actions {
		err := s.Authz.Authorize(ctx, caller, authz.Request{Action: action, Resource: target.ARN, ResourceAccount: target.Account,
			ResourcePolicy: target.Trust, ResourceIsRoleTrust: true, Context: extra,
			Event: "AssumeRoleForPodIdentity", Service: eventSource, Params: q.params, PlainMessage: true})
		if e, ok := apierror.As(err); ok && e.Code == "AccessDenied" {
			return nil, accessDenied(msg(action), e.Explanation)
		}
		if err != nil {
			return nil, err
		}
	}
	return &sessiontoken.Session{
		Account: target.Account, Type: sessiontoken.TypePodIdentity,
		PrincipalARN: arn.AssumedRole(s.partition(), target.Account, target.Name, sess.SessionName),
		RoleARN:      target.ARN, RoleID: target.RoleID, SessionName: sess.SessionName,
		IssuedAt: q.now, Expiration: q.now.Add(ChainedCredentialDuration),
		Tags: sess.Tags, TransitiveTagKeys: sess.TransitiveTagKeys,
		ChainDepth: 1, SourcePrincipalARN: sess.PrincipalARN,
	}, nil
}
