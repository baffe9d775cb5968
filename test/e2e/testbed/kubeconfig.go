package testbed

import (
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WebhookKubeconfig writes to path the kubeconfig-format file that the
// kube-apiserver's --authentication-token-webhook-config-file and
// --authorization-webhook-config-file flags expect: one cluster whose
// server is serverURL (the full webhook URL, path included) verified by
// caPEM, and a user without credentials (the apiserver authenticates to
// the webhook by nothing but reaching it). The file is written mode 0600.
func WebhookKubeconfig(path, serverURL string, caPEM []byte) error {
	if serverURL == "" {
		return errors.New("webhook kubeconfig: empty server URL")
	}
	if len(caPEM) == 0 {
		return errors.New("webhook kubeconfig: empty CA bundle")
	}
	return writeKubeconfig(path, "webhook", &clientcmdapi.Cluster{
		Server:                   serverURL,
		CertificateAuthorityData: caPEM,
	}, &clientcmdapi.AuthInfo{})
}

// WriteKubeconfig writes to path a kubeconfig for this cluster with the
// given user, for example clientcmdapi.AuthInfo{Token: token} for a bearer
// token, an Exec plugin configuration (trustbridge get-token), or
// ClientCertificateData/ClientKeyData from c.ClientCA.ClientCert. The file
// is written mode 0600 because it may hold credentials.
func (c *Cluster) WriteKubeconfig(path string, user clientcmdapi.AuthInfo) error {
	return writeKubeconfig(path, "testbed", &clientcmdapi.Cluster{
		Server:                   c.URL,
		CertificateAuthorityData: c.CAPEM,
	}, &user)
}

func writeKubeconfig(path, name string, cluster *clientcmdapi.Cluster, user *clientcmdapi.AuthInfo) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = cluster
	cfg.AuthInfos[name] = user
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	cfg.CurrentContext = name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
