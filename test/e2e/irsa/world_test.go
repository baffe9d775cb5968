package irsa

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// Roles of the shared world. The trust policies are the walkthroughs' with
// only the issuer and account replaced.
const (
	// seed003Role is seed 003's IRSA role for default/eks-ec2-list.
	seed003Role = "eks-ec2-list-instances"
	// seed002Role carries seed 002's trust policy verbatim, for
	// gbot-dev/bot-builder-insight-generator.
	seed002Role = "bot-builder-insight-generator"
	// localRole and remoteRole are seed 003's cross-account pair: the
	// IRSA role of cross-account-sts/local-access in account one, and the
	// role in account two it may assume.
	localRole  = "local-account-access"
	remoteRole = "remote-account-access"
	// seed001Role is seed 001's cross-account IRSA role: in account two,
	// trusting account two's own provider for the cluster's issuer, with a
	// condition on :aud only.
	seed001Role = "seed001-cross-account"
	// staleProviderRole trusts the provider of the cluster the policy was
	// copied from (the demo world's EKS issuer), not this cluster's: the
	// "wrong provider ARN in the principal" mistake.
	staleProviderRole = "stale-provider-arn"
	// staleIssuer is that other cluster's issuer host and path.
	staleIssuer = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
)

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// providerKey is an issuer URL as IAM names it: without https://.
func providerKey(issuerURL string) string { return strings.TrimPrefix(issuerURL, "https://") }

// providerARN is the IAM OIDC provider ARN for issuerURL in account.
func providerARN(account, issuerURL string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/" + providerKey(issuerURL)
}

// seed002Trust returns seed 002's trust policy (testdata) with the issuer
// and account replaced, as compact JSON.
func seed002Trust(issuerURL string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "seed002-trust-policy.json"))
	if err != nil {
		panic(err)
	}
	s := strings.ReplaceAll(string(b), "432797229265", accountOne)
	s = strings.ReplaceAll(s, "oidc.eks.ap-east-1.amazonaws.com/id/7DEE79B63EBDFE21F8558FA0EEBE550D", providerKey(issuerURL))
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		panic(err)
	}
	return buf.String()
}

var worldTemplate = template.Must(template.New("world").Parse(`# The IRSA world of seeds 001-003 for a test cluster.
partition: aws
region: us-east-1
accounts:
  - id: "{{.One}}"
    alias: account-one
    root: {accessKeyId: {{.RootOne.ID}}, secretAccessKey: {{.RootOne.Secret}}}
    policies:
      - name: ec2-list-instances
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ec2:DescribeInstances
              Resource: "*"
      - name: local-account-access
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: arn:aws:iam::{{.Two}}:role/remote-account-access
    roles:
      - name: eks-ec2-list-instances
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal:
                Federated: arn:aws:iam::{{.One}}:oidc-provider/{{.Key}}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals:
                  "{{.Key}}:sub": system:serviceaccount:default:eks-ec2-list
                  "{{.Key}}:aud": sts.amazonaws.com
        managedPolicies: [arn:aws:iam::{{.One}}:policy/ec2-list-instances]
      - name: bot-builder-insight-generator
        trustPolicy: {{.Seed002Trust}}
      - name: local-account-access
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal:
                Federated: arn:aws:iam::{{.One}}:oidc-provider/{{.Key}}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals:
                  "{{.Key}}:sub": system:serviceaccount:cross-account-sts:local-access
                  "{{.Key}}:aud": sts.amazonaws.com
        managedPolicies: [arn:aws:iam::{{.One}}:policy/local-account-access]
      - name: stale-provider-arn
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal:
                Federated: arn:aws:iam::{{.One}}:oidc-provider/{{.Stale}}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals:
                  "{{.Stale}}:sub": system:serviceaccount:default:eks-ec2-list
                  "{{.Stale}}:aud": sts.amazonaws.com
    oidcProviders:
      - url: {{.Issuer}}
        clientIDs: [sts.amazonaws.com]
        caFile: {{.CAFile}}
  - id: "{{.Two}}"
    alias: account-two
    root: {accessKeyId: {{.RootTwo.ID}}, secretAccessKey: {{.RootTwo.Secret}}}
    policies:
      - name: remote-account-access
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: elasticloadbalancing:DescribeLoadBalancers
              Resource: "*"
    roles:
      - name: remote-account-access
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "arn:aws:iam::{{.One}}:root"}
              Action: sts:AssumeRole
        managedPolicies: [arn:aws:iam::{{.Two}}:policy/remote-account-access]
      - name: seed001-cross-account
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal:
                Federated: arn:aws:iam::{{.Two}}:oidc-provider/{{.Key}}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals:
                  "{{.Key}}:aud": sts.amazonaws.com
    oidcProviders:
      - url: {{.Issuer}}
        clientIDs: [sts.amazonaws.com]
        caFile: {{.CAFile}}
`))

// sharedWorld is the world of the shared trustbridge: seed 003's accounts
// with providers for the main cluster's issuer (its TLS verified by
// caFile, the apiserver's serving CA).
func sharedWorld(issuerURL, caFile string) []byte {
	var b bytes.Buffer
	err := worldTemplate.Execute(&b, map[string]any{
		"One": accountOne, "Two": accountTwo, "RootOne": rootOne, "RootTwo": rootTwo,
		"Issuer": issuerURL, "Key": providerKey(issuerURL), "CAFile": caFile,
		"Stale": staleIssuer, "Seed002Trust": seed002Trust(issuerURL),
	})
	if err != nil {
		panic(err)
	}
	return b.Bytes()
}
