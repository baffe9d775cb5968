// Package podidentity tests EKS Pod Identity end to end against a real
// kube-apiserver: an association made with the AWS CLI, the cluster's
// service-account token (audience pods.eks.amazonaws.com), trustbridge's
// Pod Identity agent and EKS Auth, and the AWS CLI, boto3 and the Go SDK v2
// getting the role's credentials through AWS_CONTAINER_CREDENTIALS_FULL_URI;
// session tags used for ABAC; and what the agent refuses.
package podidentity
