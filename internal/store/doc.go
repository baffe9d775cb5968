// Package store defines where trustbridge keeps its IAM and EKS state:
// accounts, users, access keys, roles, inline and managed policies (with
// versions and attachments), OIDC providers, EKS clusters, access entries
// and their access policy associations, pod identity associations, and the
// short-lived decision records behind `trustbridge explain`.
//
// The package holds only the Store interface, the entity types and the
// sentinel errors. The implementations live in subpackages: sqlite (the
// embedded default, a data directory or ":memory:") and postgres (several
// replicas sharing one database). storetest is the conformance suite both
// pass; storeopen picks an implementation from a DSN.
//
// Contracts every implementation keeps:
//
//   - Names of users, roles, managed policies and inline policies are unique
//     per account (per owner for inline policies) without regard to ASCII
//     case, and are looked up case-insensitively, but are returned exactly
//     as created. Every other key (ARNs, access key IDs, cluster names,
//     namespaces, URLs) is compared exactly.
//   - Uniqueness is enforced by the database, so two replicas racing to
//     create the same name get exactly one success and one ErrAlreadyExists.
//   - A write has reached stable storage when the method returns nil.
//   - Every committed write bumps Revision, except the bookkeeping writes
//     that callers make on hot paths (PutDecision, RecordAccessKeyUse,
//     RecordRoleUse), which must not invalidate caches.
//   - Lists are ordered by the case-folded name (IAM), cluster name,
//     principal ARN or (namespace, service account), and paginate with an
//     opaque marker.
//
// The store must never see a plaintext secret: access key secrets arrive
// sealed by the caller (internal/serverkey) and are stored as opaque bytes.
// It never logs, and its errors never carry secret material or document
// text. It does not derive ARNs or generate IDs; callers do (internal/awsid),
// and the store persists what it is given.
package store
