// Package arn builds and takes apart the Amazon Resource Names trustbridge
// uses: IAM users, roles, managed policies and OIDC providers, STS
// assumed-role sessions, EKS clusters, access entries and pod identity
// associations. It is pure string handling.
package arn

import (
	"errors"
	"strings"
)

// DefaultPartition is used when a partition is empty.
const DefaultPartition = "aws"

func part(p string) string {
	if p == "" {
		return DefaultPartition
	}
	return p
}

// normPath returns an IAM path with leading and trailing slashes ("/" when empty).
func normPath(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// User returns arn:P:iam::ACCOUNT:user/PATH/NAME.
func User(partition, account, path, name string) string {
	return "arn:" + part(partition) + ":iam::" + account + ":user" + normPath(path) + name
}

// Role returns arn:P:iam::ACCOUNT:role/PATH/NAME.
func Role(partition, account, path, name string) string {
	return "arn:" + part(partition) + ":iam::" + account + ":role" + normPath(path) + name
}

// Policy returns arn:P:iam::ACCOUNT:policy/PATH/NAME (ACCOUNT "aws" for AWS managed policies).
func Policy(partition, account, path, name string) string {
	return "arn:" + part(partition) + ":iam::" + account + ":policy" + normPath(path) + name
}

// Root returns arn:P:iam::ACCOUNT:root.
func Root(partition, account string) string {
	return "arn:" + part(partition) + ":iam::" + account + ":root"
}

// AssumedRole returns the STS session ARN arn:P:sts::ACCOUNT:assumed-role/ROLE/SESSION
// (the role's path is not part of it, as in AWS).
func AssumedRole(partition, account, roleName, session string) string {
	return "arn:" + part(partition) + ":sts::" + account + ":assumed-role/" + roleName + "/" + session
}

// OIDCProvider returns arn:P:iam::ACCOUNT:oidc-provider/HOST[/PATH] for an issuer URL.
func OIDCProvider(partition, account, issuer string) string {
	return "arn:" + part(partition) + ":iam::" + account + ":oidc-provider/" + ProviderKey(issuer)
}

// ProviderKey is an OIDC issuer as IAM keys it: host and path, without the
// scheme or a trailing slash.
func ProviderKey(issuer string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return strings.TrimSuffix(s, "/")
}

// Cluster returns arn:P:eks:REGION:ACCOUNT:cluster/NAME.
func Cluster(partition, region, account, name string) string {
	return "arn:" + part(partition) + ":eks:" + region + ":" + account + ":cluster/" + name
}

// PodIdentityAssociation returns the ARN of a pod identity association.
func PodIdentityAssociation(partition, region, account, cluster, id string) string {
	return "arn:" + part(partition) + ":eks:" + region + ":" + account + ":podidentityassociation/" + cluster + "/" + id
}

// AccessEntry returns the ARN of an access entry for a principal ARN.
func AccessEntry(partition, region, account, cluster, principalARN, id string) string {
	p, err := Parse(principalARN)
	kind, name := "user", ""
	if err == nil {
		kind, name, _ = strings.Cut(p.Resource, "/")
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
	}
	return "arn:" + part(partition) + ":eks:" + region + ":" + account + ":access-entry/" + cluster + "/" + kind + "/" + p.Account + "/" + name + "/" + id
}

// An ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// String reassembles the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// ErrMalformed is returned by Parse for strings that are not ARNs.
var ErrMalformed = errors.New("malformed ARN")

// Parse splits an ARN into its six parts. The resource part may contain colons.
func Parse(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return ARN{}, ErrMalformed
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// IAMResource parses an IAM ARN of the given type (user, role, policy) and
// returns its account, path and name.
func IAMResource(s, typ string) (account, path, name string, err error) {
	a, err := Parse(s)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, typ+"/") {
		return "", "", "", ErrMalformed
	}
	rest := a.Resource[len(typ):] // "/path/name"
	i := strings.LastIndexByte(rest, '/')
	path, name = rest[:i+1], rest[i+1:]
	if name == "" {
		return "", "", "", ErrMalformed
	}
	return a.Account, path, name, nil
}

// CanonicalRole maps an assumed-role session ARN to the role ARN without
// path (arn:aws:sts::A:assumed-role/R/s → arn:aws:iam::A:role/R), as
// aws-iam-authenticator canonicalises identities; other ARNs come back
// unchanged.
func CanonicalRole(s string) string {
	a, err := Parse(s)
	if err != nil || a.Service != "sts" || !strings.HasPrefix(a.Resource, "assumed-role/") {
		return s
	}
	rest := strings.TrimPrefix(a.Resource, "assumed-role/")
	role, _, _ := strings.Cut(rest, "/")
	return "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + role
}
