package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/trustbridge/trustbridge/internal/world"
)

// Benchmark identities. The key IDs encode their accounts as AWS's do.
const (
	benchAccount  = "111111111111"
	remoteAccount = "222222222222"
	benchKeyID    = "AKIABTXV5AHDTMZMFDFT"
	benchSecret   = "benchbenchbenchbenchbenchbenchbenchbench"
	remoteKeyID   = "AKIADHPL2AOHG4IZT26Q"
	remoteSecret  = "remoteremoteremoteremoteremoteremoterem0"
)

func doc(v any) world.Document {
	b, _ := json.Marshal(v)
	return world.Document{JSON: string(b)}
}

func cmdWorld(args []string) error {
	fs := flag.NewFlagSet("world", flag.ExitOnError)
	issuerDir := fs.String("issuer-dir", "", "issuer directory (ca.crt, issuer.txt)")
	roles := fs.Int("roles", 0, "extra roles (each with a trust policy and two attached managed policies)")
	providers := fs.Int("providers", 0, "extra OIDC providers")
	clusters := fs.Int("clusters", 0, "extra clusters")
	assocs := fs.Int("associations", 0, "extra pod identity associations, spread across the extra clusters")
	out := fs.String("out", "", "output world file")
	_ = fs.Parse(args)
	issB, err := os.ReadFile(filepath.Join(*issuerDir, "issuer.txt"))
	if err != nil {
		return err
	}
	issuer := strings.TrimSpace(string(issB))
	host := strings.TrimPrefix(issuer, "https://")
	caFile, _ := filepath.Abs(filepath.Join(*issuerDir, "ca.crt"))
	providerARN := "arn:aws:iam::" + benchAccount + ":oidc-provider/" + host
	allow := func(actions ...string) world.Document {
		return doc(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": "*"}}})
	}
	trustAccount := func(acct string) world.Document {
		return doc(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "sts:AssumeRole"}}})
	}
	w := world.File{Region: "us-east-1"}
	a := world.Account{ID: benchAccount, Alias: "bench",
		Users: []world.User{{Name: "bench", AccessKeys: []world.Key{{AccessKeyID: benchKeyID, SecretAccessKey: benchSecret}},
			Policies: map[string]world.Document{"bench": allow("sts:AssumeRole", "iam:GetRole", "eks:*", "eks-auth:AssumeRoleForPodIdentity", "sts:TagSession")}}},
		Policies: []world.Policy{
			{Name: "read-a", Document: allow("s3:GetObject", "s3:ListBucket")},
			{Name: "read-b", Document: allow("ec2:Describe*")},
		},
		Roles: []world.Role{
			{Name: "bench-role", TrustPolicy: trustAccount(benchAccount), ManagedPolicies: []string{"arn:aws:iam::" + benchAccount + ":policy/read-a", "arn:aws:iam::" + benchAccount + ":policy/read-b"}},
			{Name: "web-role", TrustPolicy: doc(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Federated": providerARN}, "Action": "sts:AssumeRoleWithWebIdentity",
				"Condition": map[string]any{"StringEquals": map[string]any{host + ":sub": "system:serviceaccount:bench:bench", host + ":aud": "sts.amazonaws.com"}},
			}}}), ManagedPolicies: []string{"arn:aws:iam::" + benchAccount + ":policy/read-a"}},
			{Name: "pod-role", TrustPolicy: doc(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "pods.eks.amazonaws.com"}, "Action": []string{"sts:AssumeRole", "sts:TagSession"},
			}}}), ManagedPolicies: []string{"arn:aws:iam::" + benchAccount + ":policy/read-a"}},
		},
		OIDCProviders: []world.OIDCProvider{{URL: issuer, ClientIDs: []string{"sts.amazonaws.com"}, CAFile: caFile}},
	}
	for i := 0; i < *roles; i++ {
		a.Roles = append(a.Roles, world.Role{
			Name:        fmt.Sprintf("scale-role-%06d", i),
			TrustPolicy: trustAccount(benchAccount),
			ManagedPolicies: []string{
				"arn:aws:iam::" + benchAccount + ":policy/read-a",
				"arn:aws:iam::" + benchAccount + ":policy/read-b",
			},
		})
	}
	for i := 0; i < *providers; i++ {
		a.OIDCProviders = append(a.OIDCProviders, world.OIDCProvider{URL: fmt.Sprintf("https://oidc.example.com/id/%06d", i), ClientIDs: []string{"sts.amazonaws.com"}})
	}
	remote := world.Account{ID: remoteAccount, Alias: "bench-remote",
		Users: []world.User{{Name: "remote", AccessKeys: []world.Key{{AccessKeyID: remoteKeyID, SecretAccessKey: remoteSecret}}}},
		Roles: []world.Role{{Name: "cross-role", TrustPolicy: trustAccount(benchAccount), ManagedPolicies: nil}},
	}
	w.Accounts = []world.Account{a, remote}
	w.Clusters = []world.Cluster{{
		Name: "bench", Account: benchAccount, Region: "us-east-1", AuthenticationMode: "API_AND_CONFIG_MAP",
		OIDCIssuer: issuer, OIDCIssuerCAFile: caFile,
		PodIdentityAssociations: []world.PodIdentityAssociation{{Namespace: "bench", ServiceAccount: "bench", RoleARN: "arn:aws:iam::" + benchAccount + ":role/pod-role"}},
		AccessEntries: []world.AccessEntry{{PrincipalARN: "arn:aws:iam::" + benchAccount + ":user/bench", Username: "bench",
			AccessPolicies: []world.AccessPolicy{{PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", AccessScope: world.AccessScope{Type: "cluster"}}}}},
	}}
	for c := 0; c < *clusters; c++ {
		cl := world.Cluster{Name: fmt.Sprintf("scale-%03d", c), Account: benchAccount, Region: "us-east-1", OIDCIssuer: fmt.Sprintf("https://oidc.example.com/id/%06d", c)}
		per := 0
		if *clusters > 0 {
			per = *assocs / *clusters
		}
		for i := 0; i < per; i++ {
			cl.PodIdentityAssociations = append(cl.PodIdentityAssociations, world.PodIdentityAssociation{
				Namespace: fmt.Sprintf("ns-%03d", i%100), ServiceAccount: fmt.Sprintf("sa-%05d", i), RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/scale-role-%06d", benchAccount, i%max(*roles, 1)),
			})
		}
		w.Clusters = append(w.Clusters, cl)
	}
	// JSON is YAML; it keeps generation of a 100,000-role world fast.
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, b, 0o600)
}
