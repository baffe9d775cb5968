// Package eksauth serves the Amazon EKS Auth API (REST/JSON, SigV4
// signing name "eks-auth", botocore model data/eks-auth/2023-11-26): its
// one action, AssumeRoleForPodIdentity, which the Pod Identity agent
// (internal/agent) calls on a pod's behalf.
//
// The caller (the node's agent) must be allowed
// eks-auth:AssumeRoleForPodIdentity on the cluster's ARN. The pod's
// service account token is verified against the cluster's issuer with
// internal/oidc and must be for audience pods.eks.amazonaws.com; its
// namespace and service account select the pod identity association; the
// association's role must trust the service principal
// pods.eks.amazonaws.com for sts:AssumeRole (and sts:TagSession when the
// six EKS session tags are attached). With a targetRoleArn the session is
// then chained into that role, whose trust policy (and the first role's
// permissions) must allow it. Credentials are minted with
// sts.Issue; every decision is audited and every denial explained.
//
// The package must never log, and never put a token, a credential or a
// session token in an error message or an explanation.
package eksauth
