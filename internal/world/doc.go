// Package world reads, validates, applies and exports trustbridge's world
// file: a declarative description of accounts, users, access keys, roles,
// policies, OIDC providers and EKS clusters, so a whole environment (like the
// one in the EKS auth walkthrough) is one file.
//
// Field names are a contract. Decoding is strict (unknown keys are errors);
// every validation error names the file, the path inside it (for example
// accounts[0].roles[2].trustPolicy.Statement[0].Condition) and what is
// wrong. Apply validates everything before writing anything and writes in
// one transaction, so nothing is ever half-applied.
package world
