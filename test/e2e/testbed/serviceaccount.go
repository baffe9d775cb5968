package testbed

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EnsureNamespace creates the namespace if it does not exist.
func (c *Cluster) EnsureNamespace(ctx context.Context, namespace string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	_, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", namespace, err)
	}
	return nil
}

// EnsureServiceAccount creates the namespace if needed and the
// ServiceAccount with the given annotations (for IRSA,
// "eks.amazonaws.com/role-arn"). If the ServiceAccount exists its
// annotations are replaced by the given ones. No controller-manager runs,
// so this is also how a test gets a "default" ServiceAccount, which the
// ServiceAccount admission plugin requires before a Pod using it is
// accepted.
func (c *Cluster) EnsureServiceAccount(ctx context.Context, namespace, name string, annotations map[string]string) (*corev1.ServiceAccount, error) {
	if err := c.EnsureNamespace(ctx, namespace); err != nil {
		return nil, err
	}
	sas := c.Client.CoreV1().ServiceAccounts(namespace)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Annotations: annotations}}
	created, err := sas.Create(ctx, sa, metav1.CreateOptions{})
	if err == nil {
		return created, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create service account %s/%s: %w", namespace, name, err)
	}
	existing, err := sas.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get service account %s/%s: %w", namespace, name, err)
	}
	existing.Annotations = annotations
	updated, err := sas.Update(ctx, existing, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update service account %s/%s: %w", namespace, name, err)
	}
	return updated, nil
}

// CreateToken issues a service-account token through the TokenRequest API,
// exactly as the kubelet does for a projected token volume (without a bound
// Pod). audiences become the JWT's aud claim; use "sts.amazonaws.com" for
// IRSA and "pods.eks.amazonaws.com" for Pod Identity. expirationSeconds
// zero means the apiserver default (one hour); the apiserver rejects values
// under 600. The ServiceAccount must exist. The token is a credential:
// never log it.
func (c *Cluster) CreateToken(ctx context.Context, namespace, serviceAccount string, audiences []string, expirationSeconds int64) (string, error) {
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: audiences}}
	if expirationSeconds != 0 {
		req.Spec.ExpirationSeconds = &expirationSeconds
	}
	resp, err := c.Client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, serviceAccount, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token request for %s/%s: %w", namespace, serviceAccount, err)
	}
	return resp.Status.Token, nil
}
