// Package accesspolicy enforces EKS access policies for Kubernetes through
// the apiserver's webhook authorization (SubjectAccessReview,
// authorization.k8s.io v1 and v1beta1): AmazonEKSClusterAdminPolicy,
// AmazonEKSAdminPolicy, AmazonEKSEditPolicy and AmazonEKSViewPolicy,
// associated with access entries and scoped to the cluster or to listed
// namespaces (a trailing "*" matches a prefix).
//
// The policies carry the permissions of Kubernetes' cluster-admin, admin,
// edit and view ClusterRoles. For a cluster trustbridge can reach, the
// rules are read from the cluster's own (aggregated) admin, edit and view
// ClusterRoles, so CRD permissions aggregated into them count too;
// otherwise a built-in table restating the default roles is used. The
// rules are evaluated by this package's own RBAC rule matcher. A cluster
// scope behaves like a ClusterRoleBinding of the role (AmazonEKSAdminPolicy
// at cluster scope therefore also allows reading namespaces, as the admin
// role does, but never ClusterRoles); a namespace scope behaves like a
// RoleBinding in each listed namespace.
//
// Which policies a user has is asked of an AssociationSource with the
// user's name, groups and extra map; the TokenReview authenticator put
// the caller's ARNs in extra and the apiserver copies extra into every
// SubjectAccessReview, which is how the authorizer learns the principal
// (awsauth.Mapper implements the lookup and binds it to the username).
//
// The authorizer only allows or has no opinion (allowed false, denied
// false); it never denies, so RBAC still decides everything the access
// policies do not grant and aws-auth groups keep working. It never logs
// tokens or credentials; it does no I/O besides reading ClusterRoles.
package accesspolicy
