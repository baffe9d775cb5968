package webhook

import (
	"errors"
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTConfig returns how trustbridge reaches the Kubernetes API server (to
// read ServiceAccounts and ConfigMaps):
//
//   - kubeconfig non-empty: that kubeconfig file, its current context;
//   - otherwise, when running in a pod: the in-cluster configuration
//     (the pod's ServiceAccount token and the cluster CA);
//   - otherwise: $KUBECONFIG, then ~/.kube/config (clientcmd's rules).
//
// The returned config carries userAgent and raised client-side rate limits
// (QPS 50, burst 100) because admission-time fallbacks must not queue
// behind the default limiter.
func RESTConfig(kubeconfig, userAgent string) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
	} else {
		cfg, err = rest.InClusterConfig()
		if errors.Is(err, rest.ErrNotInCluster) {
			rules := clientcmd.NewDefaultClientConfigLoadingRules()
			cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
			if err != nil {
				return nil, fmt.Errorf("not running in a cluster and no usable kubeconfig ($KUBECONFIG or ~/.kube/config): %w", err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("in-cluster kubernetes config: %w", err)
		}
	}
	if userAgent != "" {
		cfg.UserAgent = userAgent
	}
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}
