// Package iam implements the AWS IAM Query API on trustbridge's edge:
// users, access keys, roles, inline and managed policies (with versions,
// attachments and permissions boundaries), OpenID Connect providers, tags,
// and the policy simulator (SimulateCustomPolicy, SimulatePrincipalPolicy),
// one file per action, with botocore's shapes (model_gen.go), AWS's error
// codes and messages, URL-encoded policy documents and Marker/IsTruncated
// pagination.
//
// Every handler follows the same steps: take the authenticated caller from
// the context (auth.FromContext), authorize "iam:Action" on the resource
// ARN AWS uses for that action through the policy engine (authz) — the
// caller's account is the account acted on, and an account root may do
// anything in it — then read or write the store, call Cache.Invalidate
// after every successful write, and map store sentinel errors to IAM's
// errors (errors.go). Policy documents are validated with the right kind
// and size limit before anything is written. Lookups authorize before they
// report NoSuchEntity, so a caller without permission cannot probe which
// names exist.
//
// The package must never log, never return or store a plaintext secret
// other than in CreateAccessKey's one-time response (secrets are sealed
// with the server key ring, bound to their access key ID, before they reach
// the store), and never put policy text, secrets or tokens into error
// messages beyond what AWS itself echoes.
//
//go:generate go run ../awsquery/modelgen -service iam -pkg iam -out model_gen.go
package iam
