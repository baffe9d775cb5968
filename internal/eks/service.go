package eks

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// SigningName is the SigV4 service name of the EKS API; the edge routes
// requests whose credential scope names it to Service.ServeREST.
const SigningName = "eks"

// eventSource is the audit event source of EKS API calls.
const eventSource = "eks.amazonaws.com"

// defaultRegion is used when a caller carries no SigV4 region (never the
// case for requests that came through the edge).
const defaultRegion = "us-east-1"

// An Authenticator verifies a signed request whose body was already read
// and returns the context carrying the *auth.Caller
// (internal/auth.Authenticator implements it).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error)
}

// Service is the EKS API. Store, Cache, Authz and Auth are required; the
// zero values of the other fields are valid. A Service must not be copied
// after first use; it is safe for concurrent use.
type Service struct {
	// Store is written by the mutating actions and read by the lists.
	Store store.Store
	// Cache serves the authorizer and cluster reads; Invalidate is called
	// after every write.
	Cache *storecache.Cache
	// Authz authorizes every action with the eks:* IAM actions.
	Authz *authz.Authorizer
	// Auth authenticates requests for SigningName.
	Auth Authenticator
	// Partition of ARNs; "" means "aws".
	Partition string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// ExplainErrors appends trustbridge's one-line reason to error
	// messages (off by default: it reveals policy details).
	ExplainErrors bool
	// NewAssociationID returns a pod identity association ID ("a-" and 17
	// lowercase letters and digits); nil means a random one.
	NewAssociationID func() string
	// NewUUID returns the unique suffix of an access entry ARN; nil means
	// a random UUID.
	NewUUID func() string

	once sync.Once
	mux  *http.ServeMux
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) partition() string {
	if s.Partition == "" {
		return arn.DefaultPartition
	}
	return s.Partition
}

func (s *Service) newAssociationID() string {
	if s.NewAssociationID != nil {
		return s.NewAssociationID()
	}
	return NewAssociationID()
}

func (s *Service) newUUID() string {
	if s.NewUUID != nil {
		return s.NewUUID()
	}
	return uuid.NewString()
}

// NewAssociationID returns a random pod identity association ID in EKS's
// format: "a-" followed by 17 lowercase letters and digits.
func NewAssociationID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 2, 19)
	out[0], out[1] = 'a', '-'
	var buf [32]byte
	for len(out) < cap(out) {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("eks: crypto/rand failed: " + err.Error())
		}
		for _, c := range buf {
			// Rejection sampling: 252 is the largest multiple of 36
			// below 256, so every character is equally likely.
			if c < 252 && len(out) < cap(out) {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// A handler serves one action for an authenticated caller. Its request
// body, if any, is r.Body (already read and bounded). It returns the
// response document or an error.
type handler func(ctx context.Context, c *auth.Caller, r *http.Request) (any, error)

// A route is one action: its AWS operation name and handler.
type route struct {
	name string
	h    handler
}

// routes maps the botocore model's method and requestUri of every action
// to its operation name and handler.
func (s *Service) routes() map[string]route {
	return map[string]route{
		"POST /clusters":          {"CreateCluster", s.createCluster},
		"GET /clusters":           {"ListClusters", s.listClusters},
		"GET /clusters/{name}":    {"DescribeCluster", s.describeCluster},
		"DELETE /clusters/{name}": {"DeleteCluster", s.deleteCluster},
		"POST /clusters/{name}/pod-identity-associations":                                   {"CreatePodIdentityAssociation", s.createPodIdentityAssociation},
		"GET /clusters/{name}/pod-identity-associations":                                    {"ListPodIdentityAssociations", s.listPodIdentityAssociations},
		"GET /clusters/{name}/pod-identity-associations/{associationId}":                    {"DescribePodIdentityAssociation", s.describePodIdentityAssociation},
		"POST /clusters/{name}/pod-identity-associations/{associationId}":                   {"UpdatePodIdentityAssociation", s.updatePodIdentityAssociation},
		"DELETE /clusters/{name}/pod-identity-associations/{associationId}":                 {"DeletePodIdentityAssociation", s.deletePodIdentityAssociation},
		"POST /clusters/{name}/access-entries":                                              {"CreateAccessEntry", s.createAccessEntry},
		"GET /clusters/{name}/access-entries":                                               {"ListAccessEntries", s.listAccessEntries},
		"GET /clusters/{name}/access-entries/{principalArn}":                                {"DescribeAccessEntry", s.describeAccessEntry},
		"POST /clusters/{name}/access-entries/{principalArn}":                               {"UpdateAccessEntry", s.updateAccessEntry},
		"DELETE /clusters/{name}/access-entries/{principalArn}":                             {"DeleteAccessEntry", s.deleteAccessEntry},
		"POST /clusters/{name}/access-entries/{principalArn}/access-policies":               {"AssociateAccessPolicy", s.associateAccessPolicy},
		"GET /clusters/{name}/access-entries/{principalArn}/access-policies":                {"ListAssociatedAccessPolicies", s.listAssociatedAccessPolicies},
		"DELETE /clusters/{name}/access-entries/{principalArn}/access-policies/{policyArn}": {"DisassociateAccessPolicy", s.disassociateAccessPolicy},
		"GET /access-policies": {"ListAccessPolicies", s.listAccessPolicies},
	}
}

func (s *Service) build() {
	s.mux = http.NewServeMux()
	for pattern, rt := range s.routes() {
		s.mux.HandleFunc(pattern, s.adapt(rt.name, rt.h))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		awsrest.WriteError(w, server.RequestID(r.Context()), unknownOperation(r), s.ExplainErrors)
	})
}

// adapt turns the handler of the operation name into an http.HandlerFunc
// that reports the name to the edge (server.SetAction, the action label of
// its metrics) and writes the REST/JSON envelope.
func (s *Service) adapt(name string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		server.SetAction(ctx, name)
		id := server.RequestID(ctx)
		c := auth.FromContext(ctx)
		if c == nil {
			awsrest.WriteError(w, id, apierror.MissingAuthenticationToken(), s.ExplainErrors)
			return
		}
		out, err := h(ctx, c, r)
		if err != nil {
			awsrest.WriteError(w, id, err, s.ExplainErrors)
			return
		}
		awsrest.WriteJSON(w, http.StatusOK, id, out)
	}
}

// ServeREST implements server.RESTService: it reads the bounded body,
// authenticates the request for SigningName, routes it by method and path
// (path parameters are URL-decoded, so a principal ARN may be
// path-escaped) and writes the REST/JSON response or error.
func (s *Service) ServeREST(w http.ResponseWriter, r *http.Request) {
	s.once.Do(s.build)
	id := server.RequestID(r.Context())
	body, err := readBody(r)
	if err != nil {
		awsrest.WriteError(w, id, err, s.ExplainErrors)
		return
	}
	ctx, err := s.Auth.Authenticate(r.Context(), r, body, SigningName)
	if err != nil {
		awsrest.WriteError(w, id, err, s.ExplainErrors)
		return
	}
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	s.mux.ServeHTTP(w, r)
}

// readBody reads at most awsrest.MaxBodyBytes of the request body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > awsrest.MaxBodyBytes {
		return nil, tooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, awsrest.MaxBodyBytes+1))
	if err != nil {
		return nil, &apierror.Error{Code: "InvalidRequestException", Message: "The request body could not be read.", Status: http.StatusBadRequest}
	}
	if len(b) > awsrest.MaxBodyBytes {
		return nil, tooLarge()
	}
	return b, nil
}

func tooLarge() *apierror.Error {
	return &apierror.Error{Code: "RequestEntityTooLargeException", Message: "Request body exceeds the maximum allowed size of " + strconv.Itoa(awsrest.MaxBodyBytes) + " bytes.", Status: http.StatusRequestEntityTooLarge}
}

// region returns the caller's SigV4 region, the region of every cluster
// it names.
func region(c *auth.Caller) string {
	if c.Region == "" {
		return defaultRegion
	}
	return c.Region
}

// clusterRef names the cluster called name in the caller's account and
// region.
func clusterRef(c *auth.Caller, name string) store.ClusterRef {
	return store.ClusterRef{Account: c.Principal.Account, Region: region(c), Name: name}
}

func (s *Service) clusterARN(ref store.ClusterRef) string {
	return arn.Cluster(s.partition(), ref.Region, ref.Account, ref.Name)
}

// authorize asks the policy engine whether c may perform eks:action on
// resource. extra adds request condition keys; tags are the resource's
// tags (aws:ResourceTag/...).
func (s *Service) authorize(ctx context.Context, c *auth.Caller, action, resource string, tags map[string]string, extra func(*policy.Context), params map[string]any) error {
	return s.Authz.Authorize(ctx, c, authz.Request{
		Action: "eks:" + action, Resource: resource,
		Context: func(pc *policy.Context) {
			for k, v := range tags {
				pc.Set("aws:ResourceTag/"+k, v)
			}
			if extra != nil {
				extra(pc)
			}
		},
		Event: action, Service: eventSource, Params: params,
	})
}

// requestTags adds aws:RequestTag/... and aws:TagKeys for tags passed on
// a create.
func requestTags(pc *policy.Context, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for k, v := range tags {
		pc.Set("aws:RequestTag/"+k, v)
		keys = append(keys, k)
	}
	pc.SetMulti("aws:TagKeys", keys)
}

// getCluster reads a cluster through the cache. A missing cluster is nil
// with no error, so callers can authorize before they answer
// ResourceNotFoundException, as AWS does.
func (s *Service) getCluster(ctx context.Context, ref store.ClusterRef) (*store.Cluster, error) {
	cl, err := s.Cache.Cluster(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return cl, err
}

// clusterTags returns the tags of cl, nil if cl is nil.
func clusterTags(cl *store.Cluster) map[string]string {
	if cl == nil {
		return nil
	}
	return cl.Tags
}

// wrote tells the cache that the store changed.
func (s *Service) wrote() {
	if s.Cache != nil {
		s.Cache.Invalidate()
	}
}
