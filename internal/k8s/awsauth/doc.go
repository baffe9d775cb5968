// Package awsauth maps a verified AWS caller identity to a Kubernetes user
// for one cluster, the way EKS does: through the kube-system/aws-auth
// ConfigMap (mapRoles, mapUsers, mapAccounts) and through EKS access
// entries, chosen by the cluster's authenticationMode (CONFIG_MAP,
// API_AND_CONFIG_MAP, API). When both sources apply and both match, the
// access entry wins.
//
// It parses the ConfigMap's YAML strings tolerantly (null, [], quoted keys,
// unquoted account numbers) but validates every entry and reports each
// problem with its path (mapRoles[2].rolearn); an invalid entry is skipped,
// never half-applied. ARNs are compared canonically and case-insensitively:
// an assumed-role ARN stands for its role, and — fixing aws-iam-authenticator's
// best-known gap — a mapping that names a role with its path
// (arn:aws:iam::A:role/team/app) matches that role's sessions, whose STS ARN
// carries no path. Username and group templates ({{AccountID}},
// {{SessionName}}, {{SessionNameRaw}}, {{AccessKeyID}},
// {{EC2PrivateDNSName}}) are expanded in a single pass, so a session name
// can never inject another placeholder.
//
// The ConfigMap comes either from a live watch of the cluster (Watcher, a
// client-go informer) or from static data such as the world file
// (StaticConfigMaps).
//
// This package never verifies signatures or tokens (package tokenreview
// does) and never logs; every rejection is returned as an error whose text
// is safe to log and show in explain output: it names ARNs and cluster
// names, never a token, secret or signature.
package awsauth
