package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// A prepared request, one JSON object per line of a request file.
type prepared struct {
	Method string            `json:"m"`
	Path   string            `json:"u"`
	Header map[string]string `json:"h,omitempty"`
	Body   string            `json:"b,omitempty"`
}

func cmdPrepare(args []string) error {
	fs := flag.NewFlagSet("prepare", flag.ExitOnError)
	scenario := fs.String("scenario", "", "query | web-identity | pod-identity | token-review | sar | admission | agent")
	target := fs.String("target", "http://127.0.0.1:4577", "base URL the requests are signed for")
	service := fs.String("service", "sts", "SigV4 service for -scenario query")
	params := fs.String("params", "Action=GetCallerIdentity&Version=2011-06-15", "Query parameters for -scenario query")
	region := fs.String("region", "us-east-1", "SigV4 region")
	ak := fs.String("access-key", os.Getenv("AWS_ACCESS_KEY_ID"), "access key ID")
	sk := fs.String("secret-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret access key")
	st := fs.String("session-token", os.Getenv("AWS_SESSION_TOKEN"), "session token")
	unsigned := fs.Bool("unsigned", false, "do not sign")
	tokens := fs.String("tokens", "", "file of service-account tokens, one per line")
	roleARN := fs.String("role-arn", "", "role ARN for web-identity")
	cluster := fs.String("cluster", "bench", "cluster name (pod-identity, token-review)")
	user := fs.String("user", "", "SubjectAccessReview user (sar)")
	userARN := fs.String("user-arn", "", "IAM ARN in the SubjectAccessReview extra (sar)")
	namespace := fs.String("namespace", "bench", "Pod namespace (admission)")
	serviceAccount := fs.String("service-account", "bench", "Pod ServiceAccount (admission)")
	out := fs.String("out", "", "output request file")
	_ = fs.Parse(args)
	base, err := url.Parse(*target)
	if err != nil {
		return err
	}
	creds := aws.Credentials{AccessKeyID: *ak, SecretAccessKey: *sk, SessionToken: *st}
	signer := v4.NewSigner()
	now := time.Now().UTC()
	var reqs []prepared
	sign := func(method, path, body, svc string, hdr map[string]string) (prepared, error) {
		r, _ := http.NewRequest(method, base.String()+path, strings.NewReader(body))
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		if !*unsigned {
			sum := sha256.Sum256([]byte(body))
			if err := signer.SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), svc, *region, now); err != nil {
				return prepared{}, err
			}
		}
		p := prepared{Method: method, Path: path, Header: map[string]string{}, Body: body}
		for k := range r.Header {
			p.Header[k] = r.Header.Get(k)
		}
		return p, nil
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	switch *scenario {
	case "query":
		p, err := sign("POST", "/", *params, *service, form)
		if err != nil {
			return err
		}
		reqs = append(reqs, p)
	case "web-identity":
		toks, err := readLines(*tokens)
		if err != nil {
			return err
		}
		for _, t := range toks {
			body := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {*roleARN},
				"RoleSessionName": {"bench"}, "WebIdentityToken": {t}}.Encode()
			reqs = append(reqs, prepared{Method: "POST", Path: "/", Header: form, Body: body})
		}
	case "pod-identity":
		toks, err := readLines(*tokens)
		if err != nil {
			return err
		}
		for _, t := range toks {
			body, _ := json.Marshal(map[string]string{"token": t})
			p, err := sign("POST", "/clusters/"+*cluster+"/assume-role-for-pod-identity", string(body), "eks-auth", map[string]string{"Content-Type": "application/json"})
			if err != nil {
				return err
			}
			reqs = append(reqs, p)
		}
	case "token-review":
		tok, err := clusterToken(signer, creds, *cluster, now)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": map[string]string{"token": tok}})
		reqs = append(reqs, prepared{Method: "POST", Path: "/authenticate", Header: map[string]string{"Content-Type": "application/json"}, Body: string(body)})
	case "sar":
		body, _ := json.Marshal(map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": map[string]any{
			"user": *user, "groups": []string{"system:authenticated"},
			"extra":              map[string][]string{"arn": {*userARN}, "canonicalArn": {*userARN}, "principalId": {"AIDABENCHBENCHBENCH2"}},
			"resourceAttributes": map[string]string{"namespace": "default", "verb": "list", "version": "v1", "resource": "pods"},
		}})
		reqs = append(reqs, prepared{Method: "POST", Path: "/authorize", Header: map[string]string{"Content-Type": "application/json"}, Body: string(body)})
	case "admission":
		// A Pod created by a ReplicaSet in namespace bench with the
		// ServiceAccount that has a pod identity association: the webhook
		// decides and answers with a JSON patch.
		body, err := admissionReview(*namespace, *serviceAccount)
		if err != nil {
			return err
		}
		reqs = append(reqs, prepared{Method: "POST", Path: "/mutate", Header: map[string]string{"Content-Type": "application/json"}, Body: body})
	case "agent":
		toks, err := readLines(*tokens)
		if err != nil {
			return err
		}
		for _, t := range toks {
			reqs = append(reqs, prepared{Method: "GET", Path: "/v1/credentials", Header: map[string]string{"Authorization": t}})
		}
	default:
		return fmt.Errorf("unknown -scenario %q", *scenario)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return os.WriteFile(*out, buf.Bytes(), 0o600)
}

// clusterToken makes a k8s-aws-v1 token as `aws eks get-token` does: a
// presigned GetCallerIdentity URL for sts.amazonaws.com with the cluster
// name in the signed x-k8s-aws-id header.
func clusterToken(signer *v4.Signer, creds aws.Credentials, cluster string, now time.Time) (string, error) {
	r, _ := http.NewRequest("GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	r.Header.Set("x-k8s-aws-id", cluster)
	u, _, err := signer.PresignHTTP(context.Background(), creds, r, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-east-1", now)
	if err != nil {
		return "", err
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u)), nil
}

// admissionReview is an admission.k8s.io/v1 AdmissionReview of a Pod
// CREATE as the kube-apiserver sends it: two containers, an init container
// and the projected kube-api-access volume.
func admissionReview(namespace, serviceAccount string) (string, error) {
	container := func(name string) map[string]any {
		return map[string]any{"name": name, "image": "registry.example/app:1.2.3",
			"env":          []any{map[string]string{"name": "LOG_LEVEL", "value": "info"}},
			"volumeMounts": []any{map[string]any{"name": "kube-api-access-abcde", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}}}
	}
	pod := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"generateName": "web-7d4b9c6f5-", "namespace": namespace, "labels": map[string]string{"app": "web"}},
		"spec": map[string]any{
			"serviceAccountName": serviceAccount,
			"initContainers":     []any{container("migrate")},
			"containers":         []any{container("app"), container("proxy")},
			"volumes": []any{map[string]any{"name": "kube-api-access-abcde", "projected": map[string]any{"sources": []any{
				map[string]any{"serviceAccountToken": map[string]any{"expirationSeconds": 3607, "path": "token"}},
				map[string]any{"configMap": map[string]any{"name": "kube-root-ca.crt", "items": []any{map[string]string{"key": "ca.crt", "path": "ca.crt"}}}},
			}}}},
		},
	}
	b, err := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid":       "705ab4f5-6393-11e8-b7cc-42010a800002",
			"kind":      map[string]string{"group": "", "version": "v1", "kind": "Pod"},
			"resource":  map[string]string{"group": "", "version": "v1", "resource": "pods"},
			"operation": "CREATE", "namespace": namespace,
			"userInfo": map[string]any{"username": "system:serviceaccount:kube-system:replicaset-controller", "groups": []string{"system:serviceaccounts", "system:authenticated"}},
			"object":   pod,
		},
	})
	return string(b), err
}

func readLines(path string) ([]string, error) {
	if path == "" {
		return nil, errors.New("-tokens is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}
