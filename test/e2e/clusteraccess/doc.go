// Package clusteraccess tests cluster access from IAM identities against a
// real kube-apiserver whose webhook token authenticator and webhook
// authorizer are trustbridge: seed 003's three users with the installed
// kubectl, tokens from `trustbridge get-token` and `aws eks get-token`,
// the live aws-auth ConfigMap, access entries made with the AWS CLI, and
// tokens that must be rejected.
package clusteraccess
