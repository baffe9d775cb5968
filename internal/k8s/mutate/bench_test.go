package mutate

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/trustbridge/trustbridge/internal/k8s/webhook"
)

// benchPod is a realistic Deployment-created Pod: two containers with env
// and mounts, an init container, the usual kube-api-access volume.
const benchPod = `
metadata:
  generateName: web-7d4b9c6f5-
  labels: {app: web, pod-template-hash: 7d4b9c6f5}
  annotations: {kubectl.kubernetes.io/default-container: app}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c6f5, uid: 0f6c5e0e-8a55-4b4e-9c55-3b1a2f1d9e10, controller: true, blockOwnerDeletion: true}]
spec:
  serviceAccountName: app
  initContainers:
  - {name: migrate, image: "registry.example/app:1.2.3", command: [/app, migrate]}
  containers:
  - name: app
    image: "registry.example/app:1.2.3"
    ports: [{containerPort: 8080, protocol: TCP}]
    env: [{name: LOG_LEVEL, value: info}, {name: PORT, value: "8080"}]
    resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
    volumeMounts: [{name: kube-api-access-abcde, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}]
  - name: proxy
    image: "envoyproxy/envoy:v1.30"
    volumeMounts: [{name: kube-api-access-abcde, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}]
  volumes:
  - name: kube-api-access-abcde
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
      - downwardAPI: {items: [{path: namespace, fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}}]}
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  dnsPolicy: ClusterFirst
  schedulerName: default-scheduler
  tolerations: [{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}]
`

func benchMutator(b *testing.B) (*Mutator, []byte) {
	b.Helper()
	m, err := New(Config{Cluster: testCluster, DefaultRegion: "eu-west-1"}, NewStaticServiceAccounts(sa("app", "role-arn", testRole)), &StaticAssociations{}, quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	return m, review(AdmissionV1, "705ab4f5-6393-11e8-b7cc-42010a800002", "apps", podJSON(b, benchPod))
}

// BenchmarkMutatePod measures the decision and patch alone.
func BenchmarkMutatePod(b *testing.B) {
	m, _ := benchMutator(b)
	pod := podJSON(b, benchPod)
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.MutatePod(context.Background(), "apps", pod)
		if err != nil || len(res.Patch) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeHTTP measures the handler without a network.
func BenchmarkServeHTTP(b *testing.B) {
	m, body := benchMutator(b)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("POST", "/mutate", bytes.NewReader(body)))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkRoundTripHTTPS is a full admission review round trip as the API
// server makes it: HTTPS (TLS 1.3, HTTP/2, kept-alive connection) to the
// webhook.Server over loopback, AdmissionReview in, JSONPatch out, response
// read and decoded by the client. ns/op is one review's latency from one
// client; BenchmarkRoundTripHTTPSParallel shows throughput.
func BenchmarkRoundTripHTTPS(b *testing.B) {
	client, url, body := benchServer(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		roundTrip(b, client, url, body)
	}
}

// BenchmarkRoundTripHTTPSParallel runs reviews from concurrent clients (the
// API server sends reviews concurrently); reviews/s = 1e9 / ns/op.
func BenchmarkRoundTripHTTPSParallel(b *testing.B) {
	client, url, body := benchServer(b)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			roundTrip(b, client, url, body)
		}
	})
}

// BenchmarkRoundTripHTTP1 is the same round trip over plain HTTP/1.1
// without TLS, to separate the handler's cost from TLS's.
func BenchmarkRoundTripHTTP1(b *testing.B) {
	m, body := benchMutator(b)
	srv := httptest.NewServer(m)
	b.Cleanup(srv.Close)
	client := srv.Client()
	b.ReportAllocs()
	for b.Loop() {
		roundTrip(b, client, srv.URL+"/mutate", body)
	}
}

func roundTrip(b *testing.B, client *http.Client, url string, body []byte) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !bytes.Contains(out, []byte(`"patchType":"JSONPatch"`)) {
		b.Fatalf("%d %v %s", resp.StatusCode, err, out)
	}
}

func benchServer(b *testing.B) (*http.Client, string, []byte) {
	m, body := benchMutator(b)
	certFile, keyFile, caFile, err := webhook.SelfSigned(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := webhook.New(webhook.Config{CertFile: certFile, KeyFile: keyFile, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	srv.Handle("POST /mutate", m)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16}}
	b.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Shutdown(context.Background())
	})
	return client, "https://" + ln.Addr().String() + "/mutate", body
}
