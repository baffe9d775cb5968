package mutate_test

import (
	"context"
	"log/slog"
	"os"

	"k8s.io/client-go/kubernetes"

	"github.com/trustbridge/trustbridge/internal/k8s/mutate"
	"github.com/trustbridge/trustbridge/internal/k8s/webhook"
)

// Example shows how the webhook command wires the pod mutating webhook:
// TLS material, the Kubernetes client, the ServiceAccount informer, the
// Mutator and the shared HTTPS server.
func Example() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// --self-signed DIR (or --tls-cert/--tls-key).
	certFile, keyFile, _, err := webhook.SelfSigned("/var/lib/trustbridge/webhook", []string{"trustbridge.trustbridge.svc"})
	if err != nil {
		log.Error("certificates", "err", err)
		return
	}
	// --kubeconfig (default: in-cluster, then $KUBECONFIG).
	rc, err := webhook.RESTConfig("", "trustbridge-webhook")
	if err != nil {
		log.Error("kubernetes config", "err", err)
		return
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		log.Error("kubernetes client", "err", err)
		return
	}
	sas := mutate.NewInformerServiceAccounts(client, mutate.InformerConfig{Logger: log})
	sas.Start(ctx)

	var assoc mutate.Associations // the integrator's store-backed implementation
	m, err := mutate.New(mutate.Config{Cluster: "dev", InjectEndpoint: "https://127.0.0.1:8443"}, sas, assoc, log)
	if err != nil {
		log.Error("mutator", "err", err)
		return
	}

	srv, err := webhook.New(webhook.Config{Addr: ":8443", CertFile: certFile, KeyFile: keyFile, Logger: log})
	if err != nil {
		log.Error("server", "err", err)
		return
	}
	srv.Handle("POST /mutate", m)
	srv.AddHealthCheck("serviceaccount-cache", sas.Check)
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); err != nil {
		log.Error("serve", "err", err)
	}
}
