package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SimulateFile is the JSON request file of `trustbridge simulate -f`:
//
//	{"principal": "arn:aws:iam::111111111111:role/AppRole",
//	 "action": "s3:GetObject",
//	 "resource": "arn:aws:s3:::shared-bucket/reports/q1.csv",
//	 "resourceAccount": "222222222222",
//	 "context": {"aws:SourceIp": "10.1.2.3", "aws:TagKeys": ["a","b"]},
//	 "identityPolicies": [<policy>], "resourcePolicy": <policy>,
//	 "permissionsBoundaries": [<policy>], "sessionPolicy": <policy>,
//	 "scps": [[<policy>, ...], ...], "rcps": [[<policy>, ...], ...]}
//
// A <policy> is a JSON object or a JSON string holding the document. A
// context value that is a JSON array makes a multi-valued key; strings,
// numbers and booleans make single-valued keys.
type SimulateFile struct {
	Principal       string                     `json:"principal"`
	Action          string                     `json:"action"`
	Resource        string                     `json:"resource"`
	ResourceAccount string                     `json:"resourceAccount,omitempty"`
	Context         map[string]json.RawMessage `json:"context,omitempty"`

	IdentityPolicies      []json.RawMessage   `json:"identityPolicies,omitempty"`
	ResourcePolicy        json.RawMessage     `json:"resourcePolicy,omitempty"`
	PermissionsBoundaries []json.RawMessage   `json:"permissionsBoundaries,omitempty"`
	SessionPolicy         json.RawMessage     `json:"sessionPolicy,omitempty"`
	SessionPolicies       []json.RawMessage   `json:"sessionPolicies,omitempty"`
	SCPs                  [][]json.RawMessage `json:"scps,omitempty"`
	RCPs                  [][]json.RawMessage `json:"rcps,omitempty"`

	// Optional refinements.

	// RoleARN is the role (with its path) of an assumed-role session
	// principal; by default it is derived from the session ARN without a
	// path.
	RoleARN string `json:"roleArn,omitempty"`
	// ResourceIsRoleTrust overrides the default, which is true when the
	// action is an sts:* action on an IAM role ARN.
	ResourceIsRoleTrust *bool `json:"resourceIsRoleTrust,omitempty"`
	// AddPrincipalKeys adds aws:PrincipalArn, aws:PrincipalAccount,
	// aws:PrincipalType, aws:userid and aws:username derived from the
	// principal to the context (keys already in "context" win).
	AddPrincipalKeys bool `json:"addPrincipalKeys,omitempty"`
}

// maxSimulateFile bounds the request file size.
const maxSimulateFile = 8 << 20

// DecodeSimulateRequest decodes a simulate request file into an Input whose
// policies are parsed and named after their place in the file
// ("identityPolicies[0]", "resourcePolicy", "scps[1][0]" ...). Unknown
// fields are errors. Policy errors wrap the *apierror.Error from Parse.
func DecodeSimulateRequest(data []byte) (*Input, error) {
	if len(data) > maxSimulateFile {
		return nil, fmt.Errorf("simulate request: file larger than %d bytes", maxSimulateFile)
	}
	var f SimulateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("simulate request: %w", err)
	}
	if dec.More() {
		return nil, errors.New("simulate request: trailing data after the JSON object")
	}
	return f.Input()
}

// Input converts the decoded file into an evaluation Input.
func (f *SimulateFile) Input() (*Input, error) { return f.input(0) }

func (f *SimulateFile) input(opts parseOpts) (*Input, error) {
	if f.Principal == "" {
		return nil, errors.New("simulate request: principal is required (an ARN or \"anonymous\")")
	}
	if f.Action == "" {
		return nil, errors.New("simulate request: action is required")
	}
	if f.Resource == "" {
		return nil, errors.New("simulate request: resource is required (an ARN or \"*\")")
	}
	p, err := ParsePrincipal(f.Principal)
	if err != nil {
		return nil, fmt.Errorf("simulate request: principal: %w", err)
	}
	if f.RoleARN != "" {
		if p.Type != RoleSession {
			return nil, errors.New("simulate request: roleArn applies only to an assumed-role session principal")
		}
		p.RoleARN = f.RoleARN
	}
	ctx := NewContext()
	if f.AddPrincipalKeys {
		ctx.AddPrincipal(p)
	}
	for k, raw := range f.Context {
		if err := setContextJSON(ctx, k, raw); err != nil {
			return nil, fmt.Errorf("simulate request: context %q: %w", k, err)
		}
	}
	in := &Input{Request: Request{Principal: p, Action: f.Action, Resource: f.Resource, ResourceAccount: f.ResourceAccount, Context: ctx}}
	if f.ResourceIsRoleTrust != nil {
		in.ResourceIsRoleTrust = *f.ResourceIsRoleTrust
	} else {
		in.ResourceIsRoleTrust = isRoleTrustRequest(f.Action, f.Resource)
	}
	load := func(raw json.RawMessage, kind Kind, id string) (*Policy, error) {
		doc, err := policyText(raw)
		if err != nil {
			return nil, fmt.Errorf("simulate request: %s: %w", id, err)
		}
		pol, err := parse(doc, kind, 0, opts)
		if err != nil {
			return nil, fmt.Errorf("simulate request: %s: %w", id, err)
		}
		pol.SetID(id)
		return pol, nil
	}
	for i, raw := range f.IdentityPolicies {
		pol, err := load(raw, KindIdentity, fmt.Sprintf("identityPolicies[%d]", i))
		if err != nil {
			return nil, err
		}
		in.IdentityPolicies = append(in.IdentityPolicies, pol)
	}
	if present(f.ResourcePolicy) {
		kind := KindResource
		if in.ResourceIsRoleTrust {
			kind = KindTrust
		}
		pol, err := load(f.ResourcePolicy, kind, "resourcePolicy")
		if err != nil {
			return nil, err
		}
		pol.SetSourceType("resource")
		in.ResourcePolicy = pol
	}
	for i, raw := range f.PermissionsBoundaries {
		pol, err := load(raw, KindIdentity, fmt.Sprintf("permissionsBoundaries[%d]", i))
		if err != nil {
			return nil, err
		}
		if i == 0 {
			in.PermissionsBoundary = pol
		} else {
			in.AdditionalBoundaries = append(in.AdditionalBoundaries, pol)
		}
	}
	if present(f.SessionPolicy) {
		pol, err := load(f.SessionPolicy, KindIdentity, "sessionPolicy")
		if err != nil {
			return nil, err
		}
		in.SessionPolicies = append(in.SessionPolicies, pol)
	}
	for i, raw := range f.SessionPolicies {
		pol, err := load(raw, KindIdentity, fmt.Sprintf("sessionPolicies[%d]", i))
		if err != nil {
			return nil, err
		}
		in.SessionPolicies = append(in.SessionPolicies, pol)
	}
	orgLevels := func(levels [][]json.RawMessage, kind Kind, name string) ([][]*Policy, error) {
		if levels == nil {
			return nil, nil
		}
		out := make([][]*Policy, len(levels))
		for i, lvl := range levels {
			out[i] = []*Policy{}
			for j, raw := range lvl {
				pol, err := load(raw, kind, fmt.Sprintf("%s[%d][%d]", name, i, j))
				if err != nil {
					return nil, err
				}
				out[i] = append(out[i], pol)
			}
		}
		return out, nil
	}
	if in.SCPs, err = orgLevels(f.SCPs, KindSCP, "scps"); err != nil {
		return nil, err
	}
	if in.RCPs, err = orgLevels(f.RCPs, KindRCP, "rcps"); err != nil {
		return nil, err
	}
	return in, nil
}

func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// policyText returns the document held by raw: the object's own text, or
// the contents of a JSON string.
func policyText(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if len(t) == 0 || t[0] != '{' {
		return "", errors.New("a policy must be a JSON object or a JSON string")
	}
	return string(t), nil
}

func setContextJSON(ctx *Context, key string, raw json.RawMessage) error {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '[' {
		var vals []json.RawMessage
		if err := json.Unmarshal(t, &vals); err != nil {
			return err
		}
		out := make([]string, 0, len(vals))
		for _, v := range vals {
			s, err := scalarText(v)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		ctx.SetMulti(key, out)
		return nil
	}
	s, err := scalarText(t)
	if err != nil {
		return err
	}
	ctx.Set(key, s)
	return nil
}

func scalarText(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "", errors.New("empty value")
	}
	switch t[0] {
	case '"':
		var s string
		err := json.Unmarshal(t, &s)
		return s, err
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(t, &b); err != nil {
			return "", err
		}
		return strconv.FormatBool(b), nil
	case '{', '[', 'n':
		return "", errors.New("values must be strings, numbers, booleans or arrays of them")
	}
	var n json.Number
	if err := json.Unmarshal(t, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// isRoleTrustRequest reports whether action on resource is evaluated
// against a role trust policy: an sts:* action on an IAM role ARN.
func isRoleTrustRequest(action, resource string) bool {
	if len(action) < 4 || !strings.EqualFold(action[:4], "sts:") {
		return false
	}
	parts, ok := splitARN(resource)
	return ok && parts[0] == "arn" && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/")
}

// ParsePrincipal interprets a caller identifier as the simulate file
// writes it: "anonymous"; a 12-digit account ID or arn:...:iam::A:root
// (Root); arn:...:iam::A:user/... (User); arn:...:iam::A:role/... (Role);
// arn:...:sts::A:assumed-role/R/S (RoleSession, RoleARN derived without a
// path); arn:...:sts::A:federated-user/N (FederatedUser, UserARN derived);
// arn:...:iam::A:oidc-provider/... or a provider host such as
// accounts.google.com (WebIdentity); arn:...:iam::A:saml-provider/...
// (SAML); a service name such as pods.eks.amazonaws.com (Service).
func ParsePrincipal(s string) (Principal, error) {
	if s == "anonymous" || s == "*" {
		return Principal{Type: Anonymous}, nil
	}
	if isAccountID(s) {
		return Principal{Type: Root, ARN: "arn:aws:iam::" + s + ":root", Account: s}, nil
	}
	if !strings.HasPrefix(s, "arn:") {
		switch {
		case strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn"):
			if s == "cognito-identity.amazonaws.com" {
				return Principal{Type: WebIdentity, ARN: s}, nil
			}
			return Principal{Type: Service, ARN: s}, nil
		case strings.Contains(s, ".") && !strings.ContainsAny(s, " /:"):
			return Principal{Type: WebIdentity, ARN: s}, nil
		}
		return Principal{}, fmt.Errorf("unrecognised principal %q", s)
	}
	parts, ok := splitARN(s)
	if !ok || parts[1] == "" || !isAccountID(parts[4]) {
		return Principal{}, fmt.Errorf("unrecognised principal ARN %q", s)
	}
	acct, res := parts[4], parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		return Principal{Type: Root, ARN: s, Account: acct}, nil
	case parts[2] == "iam" && strings.HasPrefix(res, "user/") && validPathName(res[5:]):
		name := res[strings.LastIndexByte(res, '/')+1:]
		return Principal{Type: User, ARN: s, Account: acct, UserName: name}, nil
	case parts[2] == "iam" && strings.HasPrefix(res, "role/") && validPathName(res[5:]):
		return Principal{Type: Role, ARN: s, Account: acct, RoleARN: s}, nil
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		rest := res[len("assumed-role/"):]
		slash := strings.IndexByte(rest, '/')
		if slash <= 0 || slash == len(rest)-1 {
			return Principal{}, fmt.Errorf("malformed assumed-role ARN %q", s)
		}
		role := "arn:" + parts[1] + ":iam::" + acct + ":role/" + rest[:slash]
		return Principal{Type: RoleSession, ARN: s, Account: acct, RoleARN: role}, nil
	case parts[2] == "sts" && strings.HasPrefix(res, "federated-user/") && len(res) > len("federated-user/"):
		user := "arn:" + parts[1] + ":iam::" + acct + ":user/" + res[len("federated-user/"):]
		return Principal{Type: FederatedUser, ARN: s, Account: acct, UserARN: user}, nil
	case parts[2] == "iam" && strings.HasPrefix(res, "oidc-provider/"):
		return Principal{Type: WebIdentity, ARN: s, Account: acct}, nil
	case parts[2] == "iam" && strings.HasPrefix(res, "saml-provider/"):
		return Principal{Type: SAML, ARN: s, Account: acct}, nil
	}
	return Principal{}, fmt.Errorf("unrecognised principal ARN %q", s)
}
