// Package agent is the EKS Pod Identity node agent: an HTTP server that runs
// on every node (hostNetwork), listens on 169.254.170.23:80 and
// [fd00:ec2::23]:80 as EKS's agent does, and serves GET /v1/credentials to
// the AWS SDKs' container credential provider.
//
// A pod's SDK sends its projected service-account token (audience
// pods.eks.amazonaws.com) raw in the Authorization header. The agent
// exchanges it for temporary credentials by calling the EKS Auth API
// AssumeRoleForPodIdentity, signed with SigV4 (service eks-auth) using the
// node's own AWS credentials, and answers
// {"AccessKeyId","SecretAccessKey","Token","AccountId","Expiration"}.
//
// Credentials are cached by the SHA-256 of the token in a bounded LRU,
// refreshed in the background ahead of expiry, evicted when EKS Auth
// rejects the token, and served from cache while EKS Auth is unreachable
// until they expire. Concurrent requests for the same token make a single
// upstream call.
//
// The agent must never log, echo or return a service-account token, a
// secret access key or a session token in an error or log line; logs carry
// only a short SHA-256 prefix of the token. It must never serve credentials
// to a request whose Host header is not one of its own addresses (a DNS-rebinding
// defence), and it never verifies tokens itself: EKS Auth is the authority.
package agent
