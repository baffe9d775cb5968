// Package tokenreview is trustbridge's webhook token authenticator for
// Kubernetes: the apiserver POSTs a TokenReview (authentication.k8s.io v1
// or v1beta1) holding a "k8s-aws-v1." token — a presigned STS
// GetCallerIdentity URL made by `aws eks get-token`,
// aws-iam-authenticator or `trustbridge get-token` — and gets back the
// Kubernetes user the caller's IAM identity maps to.
//
// ParseToken performs every structural check aws-iam-authenticator
// performs, in its order (length, prefix, base64url, URL, https, host
// allow-list, path, strict query, action, signed x-k8s-aws-id, expiry
// window). The signature is then verified locally by a Verifier against
// trustbridge's own credentials instead of by calling STS (SigV4Verifier
// does it with internal/sigv4 and a CredentialLookup): the verifier
// re-creates the signed request with x-k8s-aws-id set to the verifying
// cluster's name, so a token made for another cluster, or with any query
// parameter changed, fails. Hosts real clients sign for
// (sts.amazonaws.com, sts.REGION.amazonaws.com) are accepted alongside
// trustbridge's own, because the token is never sent anywhere.
//
// The identity is mapped by an awsauth.Mapper (access entries and the
// aws-auth ConfigMap). The reply carries username, the uid
// "aws-iam-authenticator:ACCOUNT:USERID", groups, and the extra keys arn,
// canonicalArn, sessionName, accessKeyId, principalId (as
// aws-iam-authenticator and EKS set them) plus
// sigs.k8s.io/aws-iam-authenticator/principalId and trustbridge's
// trustbridge.dev/principal-arn; the SubjectAccessReview authorizer
// (package accesspolicy) relies on them.
//
// Every rejection has a Reason and a message that names what failed; it
// goes to the Decision callback (logs, explain) and to status.error, never
// to the kubectl user. This package must never log or return a token, a
// signature or a security token, and does no I/O besides what its
// Verifier and Mapper do.
package tokenreview
