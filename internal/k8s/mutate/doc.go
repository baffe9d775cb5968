// Package mutate is trustbridge's pod mutating admission webhook: it makes
// manifests written for EKS work unchanged on kind, k3s or on-premises
// clusters by injecting AWS credentials configuration into Pods exactly as
// the EKS pod identity webhook does.
//
//   - IRSA: for a Pod whose ServiceAccount carries the
//     eks.amazonaws.com/role-arn annotation, every container and
//     initContainer (sidecars included) that is not skipped gets
//     AWS_STS_REGIONAL_ENDPOINTS, AWS_DEFAULT_REGION, AWS_REGION,
//     AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (in that order, each
//     group only when requested and not already set) and a read-only mount
//     of the projected ServiceAccount token volume "aws-iam-token".
//   - Pod Identity: for a Pod whose ServiceAccount has a pod identity
//     association in trustbridge's store for this cluster (Associations),
//     AWS_CONTAINER_CREDENTIALS_FULL_URI and
//     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and the
//     "eks-pod-identity-token" volume (audience pods.eks.amazonaws.com).
//     Pod Identity takes precedence over IRSA, as on EKS.
//   - Beyond EKS: Config.InjectEndpoint also sets AWS_ENDPOINT_URL_STS for
//     IRSA so SDKs in the pod call trustbridge's STS instead of AWS.
//
// The result is an RFC 6902 JSONPatch made only of "add" operations that
// append to what the Pod already has; fields the webhook does not know are
// never rewritten, and a second invocation (reinvocationPolicy: IfNeeded)
// adds nothing.
//
// Failure semantics: the webhook is meant to be registered with
// failurePolicy: Ignore. It never blocks pod creation on its own errors
// (a failed lookup, a malformed object, an invalid annotation in strict
// mode): it logs one line and answers allowed with no patch, unless
// Config.DenyOnError is set, in which case it answers allowed: false with
// the reason. A body it cannot parse as an AdmissionReview at all (no UID
// to answer) gets HTTP 400, which the API server treats as a webhook
// failure and resolves through failurePolicy.
//
// The registration this package is written for (the manifests themselves
// are generated elsewhere):
//
//	webhooks:
//	- name: pod-identity-webhook.trustbridge.dev
//	  admissionReviewVersions: ["v1", "v1beta1"]
//	  sideEffects: None
//	  failurePolicy: Ignore
//	  reinvocationPolicy: IfNeeded
//	  timeoutSeconds: 10
//	  clientConfig: {service: {..., path: /mutate}, caBundle: <ca.crt>}
//	  rules: [{operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"]}]
//	  objectSelector: {matchExpressions: [{key: eks.amazonaws.com/skip-pod-identity-webhook, operator: DoesNotExist}]}
//
// Exclude the namespace trustbridge itself runs in (namespaceSelector) so
// its own Pods never wait on it.
//
// The package must never log or return a token, and never write to the
// Kubernetes API: it only reads ServiceAccounts.
package mutate
