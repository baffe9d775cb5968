// Package sts implements AWS STS on trustbridge's edge: AssumeRole,
// AssumeRoleWithWebIdentity, GetCallerIdentity, GetSessionToken,
// GetAccessKeyInfo and DecodeAuthorizationMessage, one file per action,
// with AWS's validation, XML shapes and error codes (botocore's model,
// model_gen.go). Trust and identity policies are evaluated by the policy
// engine; every denial keeps AWS's exact message and carries trustbridge's
// reason for `trustbridge explain`.
//
// Temporary credentials are ASIA keys whose session token is a sealed
// sessiontoken.Session: any replica sharing the server key verifies them
// without a store read. This package never logs a secret, token or web
// identity token.
//
//go:generate go run ../awsquery/modelgen -service sts -pkg sts -out model_gen.go
package sts
