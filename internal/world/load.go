package world

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
)

// MaxFileBytes bounds a world file. The benchmark's 100,000-role world is
// 29 MB as JSON.
const MaxFileBytes = 512 << 20

// Load reads and decodes the world file at path and validates it. Errors
// name the file.
func Load(path string, check PolicyChecker) (*File, error) {
	raw, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, raw, check)
}

// ReadFile reads the world file at path, refusing one larger than
// MaxFileBytes without reading it.
func ReadFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read world file: %w", err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxFileBytes {
		return nil, tooLarge(path)
	}
	raw, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read world file: %w", err)
	}
	if len(raw) > MaxFileBytes {
		return nil, tooLarge(path)
	}
	return raw, nil
}

func tooLarge(name string) error {
	return fmt.Errorf("%s: world file is larger than %d bytes", name, MaxFileBytes)
}

// Parse decodes and validates a world file's contents. name is used in
// error messages.
func Parse(name string, raw []byte, check PolicyChecker) (*File, error) {
	if len(raw) > MaxFileBytes {
		return nil, tooLarge(name)
	}
	var f File
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := decodeStrict(raw, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := f.Validate(check); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			ve.File = name
		}
		return nil, err
	}
	return &f, nil
}

func cleanYAMLError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "error converting YAML to JSON: ")
	s = strings.TrimPrefix(s, "error unmarshaling JSON: while decoding JSON: ")
	return s
}

// PolicyKind says which rules a policy document in the world file follows.
type PolicyKind int

// Kinds of policy documents in a world file, with their size limits.
const (
	UserInlinePolicy PolicyKind = iota
	RoleInlinePolicy
	ManagedPolicy
	TrustPolicy
)

// A PolicyChecker validates a policy document and returns an error whose
// text names the problem (and, where it can, the path inside the document,
// such as "Statement[0].Condition: ..."). nil means documents are only
// checked to be JSON objects.
type PolicyChecker func(doc string, kind PolicyKind) error

// A ValidationError lists every problem found in a world file.
type ValidationError struct {
	File     string
	Problems []Problem
}

// A Problem is one invalid value: where it is and what is wrong.
type Problem struct {
	Path    string
	Message string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	name := e.File
	if name == "" {
		name = "world file"
	}
	fmt.Fprintf(&b, "%s: %d problem", name, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Path, p.Message)
	}
	return b.String()
}

type validator struct {
	problems []Problem
	check    PolicyChecker
}

func (v *validator) addf(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

var (
	accountRE   = regexp.MustCompile(`^\d{12}$`)
	nameRE      = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	roleNameRE  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	userNameRE  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	pathRE      = regexp.MustCompile(`^(/|/[\x21-\x7e]*/)$`)
	keyIDRE     = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	clusterRE   = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	partitionRE = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	thumbRE     = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	k8sNameRE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	arnRE       = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+$`)
)

// AuthenticationModes are the EKS cluster authentication modes.
var AuthenticationModes = []string{"CONFIG_MAP", "API_AND_CONFIG_MAP", "API"}

// Validate checks the whole file and returns a *ValidationError listing
// every problem, or nil.
func (f *File) Validate(check PolicyChecker) error {
	v := &validator{check: check}
	if f.Partition != "" && !partitionRE.MatchString(f.Partition) {
		v.addf("partition", "%q is not an AWS partition (aws, aws-cn, aws-us-gov)", f.Partition)
	}
	if f.Region != "" && !regionRE.MatchString(f.Region) {
		v.addf("region", "%q is not a region name like us-west-2", f.Region)
	}
	accounts := map[string]int{}
	keys := map[string]string{}
	for i := range f.Accounts {
		a := &f.Accounts[i]
		p := fmt.Sprintf("accounts[%d]", i)
		if !accountRE.MatchString(a.ID) {
			v.addf(p+".id", "%q is not a 12-digit account ID (quote it in YAML so leading zeros survive)", a.ID)
		} else if j, dup := accounts[a.ID]; dup {
			v.addf(p+".id", "account %s is already declared at accounts[%d]", a.ID, j)
		} else {
			accounts[a.ID] = i
		}
		v.account(p, a, keys)
	}
	clusters := map[string]int{}
	for i := range f.Clusters {
		c := &f.Clusters[i]
		p := fmt.Sprintf("clusters[%d]", i)
		v.cluster(p, c, f, accounts)
		k := c.Account + "/" + c.Region + "/" + c.Name
		if j, dup := clusters[k]; dup {
			v.addf(p+".name", "cluster %q is already declared at clusters[%d]", c.Name, j)
		}
		clusters[k] = i
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

func (v *validator) key(p string, k *Key, keys map[string]string) {
	if !keyIDRE.MatchString(k.AccessKeyID) {
		v.addf(p+".accessKeyId", "%q is not an access key ID (AKIA followed by 16 characters A-Z, 2-7)", k.AccessKeyID)
	} else if prev, dup := keys[k.AccessKeyID]; dup {
		v.addf(p+".accessKeyId", "access key %s is already used at %s", k.AccessKeyID, prev)
	} else {
		keys[k.AccessKeyID] = p
	}
	if n := len(k.SecretAccessKey); n < 16 || n > 128 {
		v.addf(p+".secretAccessKey", "must be 16 to 128 characters (AWS secrets are 40)")
	}
}

func (v *validator) policy(p string, d Document, kind PolicyKind) {
	if d.IsZero() {
		v.addf(p, "policy document is required")
		return
	}
	if v.check != nil {
		if err := v.check(d.JSON, kind); err != nil {
			msg := err.Error()
			// Checkers report "Statement[0].Condition: problem"; join the paths.
			if i := strings.Index(msg, ": "); i > 0 && (strings.HasPrefix(msg, "Statement") || strings.HasPrefix(msg, "Version") || strings.HasPrefix(msg, "Id")) && !strings.Contains(msg[:i], " ") {
				v.addf(p+"."+msg[:i], "%s", msg[i+2:])
				return
			}
			v.addf(p, "%s", msg)
		}
	}
}

func (v *validator) path(p, path string) {
	if path != "" && (!pathRE.MatchString(path) || len(path) > 512) {
		v.addf(p, "%q is not an IAM path (it must begin and end with /)", path)
	}
}

func (v *validator) arn(p, arn, service, resourcePrefix string) {
	if !arnRE.MatchString(arn) {
		v.addf(p, "%q is not an ARN", arn)
		return
	}
	parts := strings.SplitN(arn, ":", 6)
	if service != "" && parts[2] != service {
		v.addf(p, "%q is not an %s ARN", arn, service)
		return
	}
	if resourcePrefix != "" && !strings.HasPrefix(parts[5], resourcePrefix) {
		v.addf(p, "%q is not a %s ARN (the resource must start with %q)", arn, strings.TrimSuffix(resourcePrefix, "/"), resourcePrefix)
	}
}

func (v *validator) tags(p string, tags map[string]string) {
	if len(tags) > 50 {
		v.addf(p, "at most 50 tags are allowed, got %d", len(tags))
	}
	names := make([]string, 0, len(tags))
	for k := range tags {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "" || len(k) > 128 {
			v.addf(p, "tag key %q must be 1 to 128 characters", k)
		}
		if len(tags[k]) > 256 {
			v.addf(p+"."+k, "tag value must be at most 256 characters")
		}
	}
}

func (v *validator) account(p string, a *Account, keys map[string]string) {
	if a.Root != nil {
		v.key(p+".root", a.Root, keys)
	}
	users := map[string]int{}
	for i := range a.Users {
		u := &a.Users[i]
		up := fmt.Sprintf("%s.users[%d]", p, i)
		if !userNameRE.MatchString(u.Name) {
			v.addf(up+".name", "%q is not a valid user name (1-64 characters of letters, digits and +=,.@_-)", u.Name)
		}
		if j, dup := users[strings.ToLower(u.Name)]; dup {
			v.addf(up+".name", "user %q is already declared at %s.users[%d] (IAM names are case-insensitive)", u.Name, p, j)
		}
		users[strings.ToLower(u.Name)] = i
		v.path(up+".path", u.Path)
		for j := range u.AccessKeys {
			v.key(fmt.Sprintf("%s.accessKeys[%d]", up, j), &u.AccessKeys[j], keys)
		}
		if len(u.AccessKeys) > 2 {
			v.addf(up+".accessKeys", "IAM allows at most 2 access keys per user, got %d", len(u.AccessKeys))
		}
		for _, n := range sortedKeys(u.Policies) {
			if !nameRE.MatchString(n) {
				v.addf(up+".policies."+n, "%q is not a valid policy name", n)
			}
			v.policy(up+".policies."+n, u.Policies[n], UserInlinePolicy)
		}
		for j, m := range u.ManagedPolicies {
			v.arn(fmt.Sprintf("%s.managedPolicies[%d]", up, j), m, "iam", "policy/")
		}
		if u.PermissionsBoundary != "" {
			v.arn(up+".permissionsBoundary", u.PermissionsBoundary, "iam", "policy/")
		}
		v.tags(up+".tags", u.Tags)
	}
	roles := map[string]int{}
	for i := range a.Roles {
		r := &a.Roles[i]
		rp := fmt.Sprintf("%s.roles[%d]", p, i)
		if !roleNameRE.MatchString(r.Name) {
			v.addf(rp+".name", "%q is not a valid role name (1-64 characters of letters, digits and +=,.@_-)", r.Name)
		}
		if j, dup := roles[strings.ToLower(r.Name)]; dup {
			v.addf(rp+".name", "role %q is already declared at %s.roles[%d] (IAM names are case-insensitive)", r.Name, p, j)
		}
		roles[strings.ToLower(r.Name)] = i
		v.path(rp+".path", r.Path)
		if r.MaxSessionDuration != 0 && (r.MaxSessionDuration < 3600 || r.MaxSessionDuration > 43200) {
			v.addf(rp+".maxSessionDuration", "must be between 3600 and 43200 seconds, got %d", r.MaxSessionDuration)
		}
		v.policy(rp+".trustPolicy", r.TrustPolicy, TrustPolicy)
		for _, n := range sortedKeys(r.Policies) {
			if !nameRE.MatchString(n) {
				v.addf(rp+".policies."+n, "%q is not a valid policy name", n)
			}
			v.policy(rp+".policies."+n, r.Policies[n], RoleInlinePolicy)
		}
		for j, m := range r.ManagedPolicies {
			v.arn(fmt.Sprintf("%s.managedPolicies[%d]", rp, j), m, "iam", "policy/")
		}
		if r.PermissionsBoundary != "" {
			v.arn(rp+".permissionsBoundary", r.PermissionsBoundary, "iam", "policy/")
		}
		v.tags(rp+".tags", r.Tags)
	}
	policies := map[string]int{}
	for i := range a.Policies {
		pol := &a.Policies[i]
		pp := fmt.Sprintf("%s.policies[%d]", p, i)
		if !nameRE.MatchString(pol.Name) {
			v.addf(pp+".name", "%q is not a valid policy name", pol.Name)
		}
		if j, dup := policies[strings.ToLower(pol.Name)]; dup {
			v.addf(pp+".name", "policy %q is already declared at %s.policies[%d]", pol.Name, p, j)
		}
		policies[strings.ToLower(pol.Name)] = i
		v.path(pp+".path", pol.Path)
		v.policy(pp+".document", pol.Document, ManagedPolicy)
	}
	providers := map[string]int{}
	for i := range a.OIDCProviders {
		o := &a.OIDCProviders[i]
		op := fmt.Sprintf("%s.oidcProviders[%d]", p, i)
		u, err := url.Parse(o.URL)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
			v.addf(op+".url", "%q is not an https issuer URL without query or fragment", o.URL)
		default:
			k := ProviderKey(o.URL)
			if j, dup := providers[k]; dup {
				v.addf(op+".url", "provider %q is already declared at %s.oidcProviders[%d]", o.URL, p, j)
			}
			providers[k] = i
		}
		if len(o.ClientIDs) > 100 {
			v.addf(op+".clientIDs", "at most 100 client IDs are allowed")
		}
		for j, c := range o.ClientIDs {
			if c == "" || len(c) > 255 {
				v.addf(fmt.Sprintf("%s.clientIDs[%d]", op, j), "client IDs must be 1 to 255 characters")
			}
		}
		if len(o.Thumbprints) > 5 {
			v.addf(op+".thumbprints", "at most 5 thumbprints are allowed")
		}
		for j, t := range o.Thumbprints {
			if !thumbRE.MatchString(t) {
				v.addf(fmt.Sprintf("%s.thumbprints[%d]", op, j), "%q is not a 40-character hex SHA-1 thumbprint", t)
			}
		}
		if o.CAFile != "" && o.CA != "" {
			v.addf(op+".ca", "set caFile or ca, not both")
		}
		if o.CA != "" && !strings.Contains(o.CA, "-----BEGIN CERTIFICATE-----") {
			v.addf(op+".ca", "is not a PEM certificate bundle")
		}
		if o.CAFile != "" {
			if _, err := os.Stat(o.CAFile); err != nil {
				v.addf(op+".caFile", "cannot read %s: %v", o.CAFile, errors.Unwrap(err))
			}
		}
		v.tags(op+".tags", o.Tags)
	}
}

// ProviderKey is the identity of an OIDC provider URL as IAM sees it: host
// and path without scheme or trailing slash.
func ProviderKey(issuer string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return strings.TrimSuffix(s, "/")
}

func (v *validator) cluster(p string, c *Cluster, f *File, accounts map[string]int) {
	if !clusterRE.MatchString(c.Name) {
		v.addf(p+".name", "%q is not a valid cluster name (1-100 characters: letters, digits, - and _, starting with a letter or digit)", c.Name)
	}
	if _, ok := accounts[c.Account]; !ok {
		v.addf(p+".account", "account %q is not declared under accounts", c.Account)
	}
	if c.Region != "" && !regionRE.MatchString(c.Region) {
		v.addf(p+".region", "%q is not a region name like us-west-2", c.Region)
	}
	if c.AuthenticationMode != "" && !contains(AuthenticationModes, c.AuthenticationMode) {
		v.addf(p+".authenticationMode", "%q is not one of %s", c.AuthenticationMode, strings.Join(AuthenticationModes, ", "))
	}
	if c.OIDCIssuer != "" {
		if u, err := url.Parse(c.OIDCIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
			v.addf(p+".oidcIssuer", "%q is not an https issuer URL", c.OIDCIssuer)
		}
	}
	for _, file := range []struct{ path, name, inline, inlineName string }{
		{c.OIDCIssuerCAFile, "oidcIssuerCAFile", c.OIDCIssuerCA, "oidcIssuerCA"},
		{c.CertificateAuthorityFile, "certificateAuthorityFile", c.CertificateAuthority, "certificateAuthority"},
	} {
		if file.path != "" && file.inline != "" {
			v.addf(p+"."+file.inlineName, "set %s or %s, not both", file.name, file.inlineName)
		}
		if file.inline != "" && !strings.Contains(file.inline, "-----BEGIN CERTIFICATE-----") {
			v.addf(p+"."+file.inlineName, "is not a PEM certificate bundle")
		}
		if file.path != "" {
			if _, err := os.Stat(file.path); err != nil {
				v.addf(p+"."+file.name, "cannot read %s: %v", file.path, errors.Unwrap(err))
			}
		}
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" {
			v.addf(p+".endpoint", "%q is not an https URL", c.Endpoint)
		}
	}
	v.tags(p+".tags", c.Tags)
	entries := map[string]int{}
	for i := range c.AccessEntries {
		e := &c.AccessEntries[i]
		ep := fmt.Sprintf("%s.accessEntries[%d]", p, i)
		v.arn(ep+".principalArn", e.PrincipalARN, "iam", "")
		if j, dup := entries[e.PrincipalARN]; dup {
			v.addf(ep+".principalArn", "an access entry for %s is already declared at %s.accessEntries[%d]", e.PrincipalARN, p, j)
		}
		entries[e.PrincipalARN] = i
		if e.Type != "" && !contains([]string{"STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"}, e.Type) {
			v.addf(ep+".type", "%q is not an access entry type (STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, ...)", e.Type)
		}
		for j, g := range e.KubernetesGroups {
			if g == "" || strings.HasPrefix(g, "system:") {
				v.addf(fmt.Sprintf("%s.kubernetesGroups[%d]", ep, j), "%q: groups must be non-empty and may not start with system: (as in EKS)", g)
			}
		}
		for j := range e.AccessPolicies {
			ap := &e.AccessPolicies[j]
			pp := fmt.Sprintf("%s.accessPolicies[%d]", ep, j)
			if !strings.HasPrefix(ap.PolicyARN, "arn:aws:eks::aws:cluster-access-policy/") {
				v.addf(pp+".policyArn", "%q is not an EKS access policy ARN (arn:aws:eks::aws:cluster-access-policy/NAME)", ap.PolicyARN)
			}
			switch ap.AccessScope.Type {
			case "cluster":
				if len(ap.AccessScope.Namespaces) > 0 {
					v.addf(pp+".accessScope.namespaces", "a cluster scope takes no namespaces")
				}
			case "namespace":
				if len(ap.AccessScope.Namespaces) == 0 {
					v.addf(pp+".accessScope.namespaces", "a namespace scope needs at least one namespace")
				}
			default:
				v.addf(pp+".accessScope.type", "%q is not cluster or namespace", ap.AccessScope.Type)
			}
		}
	}
	assoc := map[string]int{}
	for i := range c.PodIdentityAssociations {
		a := &c.PodIdentityAssociations[i]
		ap := fmt.Sprintf("%s.podIdentityAssociations[%d]", p, i)
		if !k8sNameRE.MatchString(a.Namespace) || len(a.Namespace) > 63 {
			v.addf(ap+".namespace", "%q is not a Kubernetes namespace name", a.Namespace)
		}
		if !k8sNameRE.MatchString(a.ServiceAccount) || len(a.ServiceAccount) > 253 {
			v.addf(ap+".serviceAccount", "%q is not a Kubernetes service account name", a.ServiceAccount)
		}
		v.arn(ap+".roleArn", a.RoleARN, "iam", "role/")
		if a.TargetRoleARN != "" {
			v.arn(ap+".targetRoleArn", a.TargetRoleARN, "iam", "role/")
		}
		k := a.Namespace + "/" + a.ServiceAccount
		if j, dup := assoc[k]; dup {
			v.addf(ap, "an association for %s is already declared at %s.podIdentityAssociations[%d]", k, p, j)
		}
		assoc[k] = i
		v.tags(ap+".tags", a.Tags)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
