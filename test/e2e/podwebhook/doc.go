// Package podwebhook tests trustbridge's pod mutating webhook against a
// real kube-apiserver: the webhook is registered with a
// MutatingWebhookConfiguration, Pods are created through the API and the
// stored Pods show the mutation (there is no kubelet); then the injected
// token and variables are used with the AWS CLI against trustbridge's STS,
// the whole IRSA chain.
package podwebhook
