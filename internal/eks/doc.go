// Package eks serves trustbridge's subset of the Amazon EKS API (REST/JSON,
// SigV4 signing name "eks", botocore model data/eks/2017-11-01): clusters
// (CreateCluster, DescribeCluster, ListClusters, DeleteCluster), pod
// identity associations (Create/Describe/List/Update/Delete
// PodIdentityAssociation) and access entries (Create/Describe/List/Update/
// DeleteAccessEntry, AssociateAccessPolicy, DisassociateAccessPolicy,
// ListAssociatedAccessPolicies, ListAccessPolicies).
//
// A cluster here is a registration, not infrastructure: its name, service
// account issuer, API server endpoint and CA, and authentication mode. The
// cluster's region is the SigV4 scope's region and its account the
// caller's. Every request is authenticated by the edge's Authenticator and
// authorized by the IAM policy engine (internal/authz) with the eks:*
// actions and the resource ARNs IAM documents for them; denials carry
// AWS's AccessDeniedException message and trustbridge's explanation.
//
// The package reads and writes internal/store with the same semantics as
// world files (internal/world), because the Kubernetes-facing packages
// (tokenreview, awsauth, accesspolicy) and EKS Auth read the same rows.
// After every write it calls storecache.Cache.Invalidate.
//
// The package must never log request bodies, and never return anything
// but an *apierror.Error to a client: other errors become a 500 with no
// inner text.
package eks
