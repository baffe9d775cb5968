// Package irsa holds the end-to-end tests of IAM roles for service accounts
// (IRSA) against a genuine kube-apiserver: the cluster issues
// service-account tokens with TokenRequest (or kubectl create token) for
// audience sts.amazonaws.com, and the real AWS CLI, boto3 and the AWS SDK
// for Go v2 exchange them at trustbridge's STS (AssumeRoleWithWebIdentity,
// run as a `trustbridge serve` subprocess) for role credentials. Trust
// policies are the ones of the IRSA walkthroughs (seeds 001–004) with only
// the issuer and account replaced. The tests also cover the denials users
// hit most (wrong namespace, wrong audience, expired token, another
// cluster's key, no provider for the issuer, wrong provider ARN) and check
// that trustbridge explains each one, seed 003's cross-account role
// chaining, and `trustbridge oidc publish`.
//
// The package has no non-test code. It uses the testbed package for the
// control plane and treats trustbridge as a black box: it never imports
// product packages (see testbed's package documentation for why).
//
// What these tests must never do: print a service-account token, a secret
// access key or a session token in a failure message or log (tokens are
// passed to clients through files, never on a command line), listen on
// anything but 127.0.0.1, or leave a process or temporary directory behind.
package irsa
