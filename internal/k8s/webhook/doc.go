// Package webhook is the HTTPS server shared by every Kubernetes-facing
// endpoint of trustbridge: the pod mutating webhook (/mutate), the
// TokenReview authentication webhook (/authenticate), the
// SubjectAccessReview authorization webhook (/authorize) and /healthz.
//
// It owns what those endpoints have in common: TLS (with certificates that
// are reloaded from disk when they change, and a self-signed CA for local
// clusters, see SelfSigned), a bound on request body size, graceful
// shutdown, and how the process reaches the Kubernetes API (RESTConfig).
// The endpoints themselves live in their own packages and are mounted with
// Server.Handle.
//
// The package must never log request bodies, bearer tokens or private key
// material, and never serves plain HTTP: the API server only calls webhooks
// over TLS.
package webhook
