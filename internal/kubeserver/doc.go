// Package kubeserver assembles trustbridge's Kubernetes-facing server for
// one registered cluster: a single HTTPS listener (package k8s/webhook)
// serving
//
//   - /mutate: the pod mutating admission webhook (package k8s/mutate) —
//     IRSA injection from ServiceAccount annotations read through the
//     cluster's API, and Pod Identity injection from the pod identity
//     associations in trustbridge's store;
//   - /authenticate: the TokenReview webhook (package k8s/tokenreview) —
//     k8s-aws-v1 tokens verified locally against trustbridge's own
//     credentials (internal/auth) and mapped to Kubernetes users by the
//     cluster's access entries (from the store) and aws-auth ConfigMap
//     (watched live through the kubeconfig, or the world file's copy for
//     clusters trustbridge cannot reach), following its
//     authenticationMode;
//   - /authorize: the SubjectAccessReview webhook (package
//     k8s/accesspolicy) enforcing EKS access policies, with the policy
//     rules read from the cluster's ClusterRoles when it is reachable and
//     the built-in table otherwise;
//   - /healthz, and /metrics (the app's Prometheus metrics, for the
//     standalone `trustbridge webhook`, which has no edge to scrape).
//
// The server is built on an assembled *app.App (store, key ring, cache,
// audit log), so it runs inside `trustbridge serve --webhook-addr` or on
// its own as `trustbridge webhook` over the same store. Store changes
// (access entries, associations, the cluster itself) are picked up through
// the app's revision-checked cache, without a restart.
//
// Every rejected token is logged with a request ID, written to the audit
// stream and, once the token named an access key, kept for `trustbridge
// explain REQUEST_ID`, so "You must be logged in to the server
// (Unauthorized)" always has a findable reason.
//
// The package must never log or record a token, a signature, a session
// token or a secret; it never writes to the Kubernetes API (it only reads
// ServiceAccounts, the aws-auth ConfigMap and ClusterRoles) and never
// serves plain HTTP.
package kubeserver
