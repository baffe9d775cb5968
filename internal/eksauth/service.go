package eksauth

import (
	"bytes"
	"context"
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
	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// SigningName is the SigV4 service name of EKS Auth; the edge routes
// requests whose credential scope names it to Service.ServeREST.
const SigningName = "eks-auth"

// Audience is the audience a Pod Identity service account token must
// carry, and the service principal a role's trust policy must allow.
const Audience = "pods.eks.amazonaws.com"

// Credential lifetimes. EKS Pod Identity credentials last 6 hours whatever
// the role's MaxSessionDuration (the agent refreshes them well before);
// credentials of a targetRoleArn are a chained role session, which AWS
// limits to one hour.
const (
	CredentialDuration        = 6 * time.Hour
	ChainedCredentialDuration = time.Hour
)

const eventSource = "eks-auth.amazonaws.com"

// An Authenticator verifies a signed request whose body was already read
// and returns the context carrying the *auth.Caller
// (internal/auth.Authenticator implements it).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error)
}

// Service is the EKS Auth API. Cache, Authz, Auth, Ring and OIDC are
// required; the zero values of the other fields are valid. A Service must
// not be copied after first use; it is safe for concurrent use.
type Service struct {
	// Cache serves clusters, associations, roles and policies.
	Cache *storecache.Cache
	// Authz authorizes the caller and records every decision.
	Authz *authz.Authorizer
	// Auth authenticates requests for SigningName.
	Auth Authenticator
	// Ring seals the minted session tokens.
	Ring *serverkey.Ring
	// OIDC verifies service account tokens against the cluster's issuer.
	OIDC *oidc.Verifier
	// Partition of ARNs; "" means "aws".
	Partition string
	// Now returns the current time; nil means time.Now. Token expiry is
	// checked by OIDC with its own clock.
	Now func() time.Time
	// ExplainErrors appends trustbridge's one-line reason to error
	// messages (off by default: it reveals policy details).
	ExplainErrors bool
	// NewUUID returns the unique suffix of role session names; nil means
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

func (s *Service) newUUID() string {
	if s.NewUUID != nil {
		return s.NewUUID()
	}
	return uuid.NewString()
}

func (s *Service) build() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /clusters/{clusterName}/assume-role-for-pod-identity", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		server.SetAction(ctx, "AssumeRoleForPodIdentity")
		id := server.RequestID(ctx)
		c := auth.FromContext(ctx)
		if c == nil {
			awsrest.WriteError(w, id, apierror.MissingAuthenticationToken(), s.ExplainErrors)
			return
		}
		out, err := s.assumeRoleForPodIdentity(ctx, c, r)
		if err != nil {
			awsrest.WriteError(w, id, err, s.ExplainErrors)
			return
		}
		awsrest.WriteJSON(w, http.StatusOK, id, out)
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if len(path) > 200 {
			path = path[:200] + "..."
		}
		awsrest.WriteError(w, server.RequestID(r.Context()), &apierror.Error{Code: "UnknownOperationException",
			Message: "No operation matches " + r.Method + " " + path + ".", Status: http.StatusNotFound}, s.ExplainErrors)
	})
}

// ServeREST implements server.RESTService: it reads the bounded body,
// authenticates the request for SigningName, routes it and writes the
// REST/JSON response or error.
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
	tooLarge := &apierror.Error{Code: "RequestEntityTooLargeException", Message: "Request body exceeds the maximum allowed size of " + strconv.Itoa(awsrest.MaxBodyBytes) + " bytes.", Status: http.StatusRequestEntityTooLarge}
	if r.ContentLength > awsrest.MaxBodyBytes {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, awsrest.MaxBodyBytes+1))
	if err != nil {
		return nil, invalidRequest("The request body could not be read.")
	}
	if len(b) > awsrest.MaxBodyBytes {
		return nil, tooLarge
	}
	return b, nil
}
