package awsauth

import (
	"fmt"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Keys of the aws-auth ConfigMap's data.
const (
	KeyMapRoles    = "mapRoles"
	KeyMapUsers    = "mapUsers"
	KeyMapAccounts = "mapAccounts"
)

// ConfigMapNamespace and ConfigMapName locate the aws-auth ConfigMap.
const (
	ConfigMapNamespace = "kube-system"
	ConfigMapName      = "aws-auth"
)

// maxConfigMapValue bounds one data value; the apiserver caps a whole
// ConfigMap at 1 MiB.
const maxConfigMapValue = 1 << 20

// A Problem is something wrong in the aws-auth data, located by a path such
// as "mapRoles[2].rolearn".
type Problem struct {
	Path    string
	Message string
	// Ignored is true when the entry (or the whole key) at Path was skipped
	// because of this problem; false for warnings.
	Ignored bool
}

// String formats the problem as "PATH: MESSAGE".
func (p Problem) String() string {
	s := p.Path + ": " + p.Message
	if p.Ignored {
		s += " (ignored)"
	}
	return s
}

// An SSOMatcher matches the roles AWS IAM Identity Center creates for a
// permission set, "AWSReservedSSO_NAME_0123456789abcdef", as the sso key of
// an aws-iam-authenticator mapRoles entry does.
type SSOMatcher struct {
	PermissionSetName string
	AccountID         string
	// Partition defaults to "aws".
	Partition string
}

// A RoleMapping is one valid mapRoles entry.
type RoleMapping struct {
	// RoleARN is the rolearn as written (empty for SSO entries).
	RoleARN  string
	SSO      *SSOMatcher
	Username string
	Groups   []string

	principal Principal
}

// A UserMapping is one valid mapUsers entry.
type UserMapping struct {
	UserARN  string
	Username string
	Groups   []string

	principal Principal
}

// A ConfigMap is the parsed data of an aws-auth ConfigMap. Only valid
// entries are kept; Problems lists everything that was wrong. The zero
// value maps nothing. A ConfigMap is immutable after parsing and safe for
// concurrent use.
type ConfigMap struct {
	Roles    []RoleMapping
	Users    []UserMapping
	Accounts []string
	Problems []Problem

	roleIndex map[string][]int
	userIndex map[string][]int
	sso       []int
	accounts  map[string]bool
}

// ParseConfigMap parses the data of an aws-auth ConfigMap. Each of
// mapRoles, mapUsers and mapAccounts is a YAML list in a string; an absent
// key, an empty string, "null" and "[]" all mean no entries. Keys inside
// entries are matched case-insensitively, as aws-iam-authenticator's JSON
// decoding does. An invalid entry is left out and reported; a key whose
// YAML does not parse contributes nothing. Other data keys are ignored.
func ParseConfigMap(data map[string]string) *ConfigMap {
	cm := &ConfigMap{}
	if v, ok := data[KeyMapRoles]; ok {
		for i, n := range cm.parseList(KeyMapRoles, v) {
			if r, ok := cm.parseRole(fmt.Sprintf("%s[%d]", KeyMapRoles, i), n); ok {
				cm.Roles = append(cm.Roles, r)
			}
		}
	}
	if v, ok := data[KeyMapUsers]; ok {
		for i, n := range cm.parseList(KeyMapUsers, v) {
			if u, ok := cm.parseUser(fmt.Sprintf("%s[%d]", KeyMapUsers, i), n); ok {
				cm.Users = append(cm.Users, u)
			}
		}
	}
	if v, ok := data[KeyMapAccounts]; ok {
		for i, n := range cm.parseList(KeyMapAccounts, v) {
			path := fmt.Sprintf("%s[%d]", KeyMapAccounts, i)
			s, ok := cm.scalar(path, n)
			if !ok {
				continue
			}
			s = strings.TrimSpace(s)
			if !isAccountID(s) {
				cm.problem(path, fmt.Sprintf("account %q must be 12 digits (quote account IDs that start with 0)", s), true)
				continue
			}
			cm.Accounts = append(cm.Accounts, s)
		}
	}
	cm.index()
	return cm
}

func (cm *ConfigMap) problem(path, msg string, ignored bool) {
	cm.Problems = append(cm.Problems, Problem{Path: path, Message: msg, Ignored: ignored})
}

// index builds the lookup tables and reports duplicates.
func (cm *ConfigMap) index() {
	cm.roleIndex = map[string][]int{}
	cm.userIndex = map[string][]int{}
	cm.accounts = map[string]bool{}
	for i, r := range cm.Roles {
		if r.SSO != nil {
			cm.sso = append(cm.sso, i)
			continue
		}
		k := r.principal.matchKey()
		if prev := cm.roleIndex[k]; len(prev) > 0 {
			cm.problem(KeyMapRoles, fmt.Sprintf("role %s is mapped more than once; the last entry wins", r.RoleARN), false)
		}
		cm.roleIndex[k] = append(cm.roleIndex[k], i)
	}
	for i, u := range cm.Users {
		k := u.principal.matchKey()
		if prev := cm.userIndex[k]; len(prev) > 0 {
			cm.problem(KeyMapUsers, fmt.Sprintf("user %s is mapped more than once; the last entry wins", u.UserARN), false)
		}
		cm.userIndex[k] = append(cm.userIndex[k], i)
	}
	for _, a := range cm.Accounts {
		cm.accounts[a] = true
	}
}

// parseList decodes one data value into the nodes of its top-level list.
func (cm *ConfigMap) parseList(key, text string) []*yaml.Node {
	if len(text) > maxConfigMapValue {
		cm.problem(key, "value larger than 1 MiB", true)
		return nil
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		cm.problem(key, "invalid YAML: "+strings.TrimPrefix(err.Error(), "yaml: "), true)
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil
	}
	n := resolve(doc.Content[0])
	switch {
	case n == nil:
		cm.problem(key, "YAML alias loop", true)
		return nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	case n.Kind != yaml.SequenceNode:
		cm.problem(key, "must be a YAML list", true)
		return nil
	}
	return n.Content
}

// resolve follows YAML aliases to the anchored node; nil on a loop.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 16 {
			return nil
		}
		n = n.Alias
	}
	return n
}

// scalar returns a scalar node's text (any tag: numbers keep their
// written form, so an unquoted 012345678901 stays intact).
func (cm *ConfigMap) scalar(path string, n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		cm.problem(path, "must be a string", true)
		return "", false
	}
	return n.Value, true
}

// fields returns a mapping node's keys (lower-cased) and values, reporting
// duplicate keys, which would make the entry ambiguous.
func (cm *ConfigMap) fields(path string, n *yaml.Node) (map[string]*yaml.Node, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		cm.problem(path, "must be a mapping", true)
		return nil, false
	}
	f := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			cm.problem(path, "keys must be strings", true)
			return nil, false
		}
		lk := strings.ToLower(k.Value)
		if _, dup := f[lk]; dup {
			cm.problem(path, fmt.Sprintf("duplicate key %q", k.Value), true)
			return nil, false
		}
		f[lk] = n.Content[i+1]
	}
	return f, true
}

// common parses username and groups, shared by roles and users.
func (cm *ConfigMap) common(path string, f map[string]*yaml.Node) (string, []string, bool) {
	un, ok := f["username"]
	if !ok {
		cm.problem(path+".username", "required", true)
		return "", nil, false
	}
	username, ok := cm.scalar(path+".username", un)
	if !ok {
		return "", nil, false
	}
	if username == "" {
		cm.problem(path+".username", "must not be empty", true)
		return "", nil, false
	}
	if err := checkTemplate(username); err != nil {
		cm.problem(path+".username", err.Error(), true)
		return "", nil, false
	}
	var groups []string
	if gn, ok := f["groups"]; ok {
		gn = resolve(gn)
		switch {
		case gn == nil:
			cm.problem(path+".groups", "YAML alias loop", true)
			return "", nil, false
		case gn.Kind == yaml.ScalarNode && gn.Tag == "!!null":
		case gn.Kind != yaml.SequenceNode:
			cm.problem(path+".groups", "must be a list of strings", true)
			return "", nil, false
		default:
			for j, g := range gn.Content {
				gp := fmt.Sprintf("%s.groups[%d]", path, j)
				s, ok := cm.scalar(gp, g)
				if !ok {
					return "", nil, false
				}
				if s == "" {
					cm.problem(gp, "must not be empty", true)
					return "", nil, false
				}
				if err := checkTemplate(s); err != nil {
					cm.problem(gp, err.Error(), true)
					return "", nil, false
				}
				groups = append(groups, s)
			}
		}
	}
	return username, groups, true
}

func (cm *ConfigMap) unknownKeys(path string, f map[string]*yaml.Node, known ...string) {
	for k := range f {
		found := false
		for _, kk := range known {
			if k == kk {
				found = true
			}
		}
		if !found {
			cm.problem(path, fmt.Sprintf("unknown key %q", k), false)
		}
	}
}

func (cm *ConfigMap) parseRole(path string, n *yaml.Node) (RoleMapping, bool) {
	var r RoleMapping
	f, ok := cm.fields(path, n)
	if !ok {
		return r, false
	}
	cm.unknownKeys(path, f, "rolearn", "sso", "username", "groups")
	an, hasARN := f["rolearn"]
	sn, hasSSO := f["sso"]
	switch {
	case hasARN && hasSSO:
		cm.problem(path, "rolearn and sso are mutually exclusive", true)
		return r, false
	case hasARN:
		s, ok := cm.scalar(path+".rolearn", an)
		if !ok {
			return r, false
		}
		p, err := ParsePrincipal(strings.TrimSpace(s))
		if err != nil {
			cm.problem(path+".rolearn", err.Error(), true)
			return r, false
		}
		if p.Kind != KindRole {
			msg := "must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
			if p.Kind == KindAssumedRole {
				msg += ", not an assumed-role session ARN"
			}
			cm.problem(path+".rolearn", msg, true)
			return r, false
		}
		r.RoleARN, r.principal = strings.TrimSpace(s), p
	case hasSSO:
		m, ok := cm.parseSSO(path+".sso", sn)
		if !ok {
			return r, false
		}
		r.SSO = m
	default:
		cm.problem(path, "one of rolearn or sso is required", true)
		return r, false
	}
	r.Username, r.Groups, ok = cm.common(path, f)
	return r, ok
}

func (cm *ConfigMap) parseSSO(path string, n *yaml.Node) (*SSOMatcher, bool) {
	f, ok := cm.fields(path, n)
	if !ok {
		return nil, false
	}
	cm.unknownKeys(path, f, "permissionsetname", "accountid", "partition")
	m := &SSOMatcher{Partition: "aws"}
	for _, kv := range []struct {
		key string
		dst *string
		req bool
	}{{"permissionsetname", &m.PermissionSetName, true}, {"accountid", &m.AccountID, true}, {"partition", &m.Partition, false}} {
		v, ok := f[kv.key]
		if !ok {
			if kv.req {
				cm.problem(path+"."+kv.key, "required", true)
				return nil, false
			}
			continue
		}
		s, ok := cm.scalar(path+"."+kv.key, v)
		if !ok {
			return nil, false
		}
		*kv.dst = s
	}
	if !isAccountID(m.AccountID) {
		cm.problem(path+".accountID", "must be 12 digits", true)
		return nil, false
	}
	if m.PermissionSetName == "" || strings.ContainsAny(m.PermissionSetName, "/:") {
		cm.problem(path+".permissionSetName", "invalid permission set name", true)
		return nil, false
	}
	return m, true
}

func (cm *ConfigMap) parseUser(path string, n *yaml.Node) (UserMapping, bool) {
	var u UserMapping
	f, ok := cm.fields(path, n)
	if !ok {
		return u, false
	}
	cm.unknownKeys(path, f, "userarn", "username", "groups")
	an, ok := f["userarn"]
	if !ok {
		cm.problem(path+".userarn", "required", true)
		return u, false
	}
	s, ok := cm.scalar(path+".userarn", an)
	if !ok {
		return u, false
	}
	p, err := ParsePrincipal(strings.TrimSpace(s))
	if err != nil {
		cm.problem(path+".userarn", err.Error(), true)
		return u, false
	}
	switch p.Kind {
	case KindUser, KindRoot, KindFederatedUser:
	case KindRole:
		cm.problem(path+".userarn", "is a role ARN; it works, but belongs under mapRoles", false)
	default:
		cm.problem(path+".userarn", "must be an IAM user ARN, not an assumed-role session ARN", true)
		return u, false
	}
	u.UserARN, u.principal = strings.TrimSpace(s), p
	u.Username, u.Groups, ok = cm.common(path, f)
	return u, ok
}

// matchSSO reports whether the role name belongs to the permission set.
func (m *SSOMatcher) match(id *Identity) bool {
	p := id.caller
	if p.Kind != KindAssumedRole && p.Kind != KindRole {
		return false
	}
	if p.Account != m.AccountID || !strings.EqualFold(p.Partition, m.Partition) {
		return false
	}
	rest, ok := strings.CutPrefix(p.Name, "AWSReservedSSO_"+m.PermissionSetName+"_")
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := strconv.ParseUint(rest, 16, 64)
	return err == nil
}

// configMapMatch is what matched in the ConfigMap.
type configMapMatch struct {
	source   string
	entry    string
	username string
	groups   []string
}

// match finds the mapping for id: mapRoles, then mapUsers, then
// mapAccounts, as aws-iam-authenticator does. Within a list, the last
// matching entry wins.
func (cm *ConfigMap) match(id *Identity) (configMapMatch, bool) {
	if cm == nil {
		return configMapMatch{}, false
	}
	key := id.key()
	idx := cm.roleIndex[key]
	for i := len(idx) - 1; i >= 0; i-- {
		r := &cm.Roles[idx[i]]
		if id.matches(r.principal, key) {
			return configMapMatch{KeyMapRoles, r.RoleARN, r.Username, r.Groups}, true
		}
	}
	for i := len(cm.sso) - 1; i >= 0; i-- {
		r := &cm.Roles[cm.sso[i]]
		if r.SSO.match(id) {
			return configMapMatch{KeyMapRoles, "sso:" + r.SSO.PermissionSetName, r.Username, r.Groups}, true
		}
	}
	idx = cm.userIndex[key]
	for i := len(idx) - 1; i >= 0; i-- {
		u := &cm.Users[idx[i]]
		if id.matches(u.principal, key) {
			return configMapMatch{KeyMapUsers, u.UserARN, u.Username, u.Groups}, true
		}
	}
	if cm.accounts[id.AccountID] {
		return configMapMatch{KeyMapAccounts, id.AccountID, id.CanonicalARN, nil}, true
	}
	return configMapMatch{}, false
}
