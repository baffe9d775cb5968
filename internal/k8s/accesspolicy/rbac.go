package accesspolicy

import "strings"

// A Rule is an RBAC PolicyRule: it allows its verbs on the listed
// resources (of the listed API groups, optionally only the named objects)
// or on the listed non-resource URLs. "*" matches everything in verbs,
// apiGroups, resources and nonResourceURLs; a resource "*/SUB" matches
// subresource SUB of every resource; a non-resource URL ending in "*"
// matches every path with that prefix.
type Rule struct {
	Verbs           []string
	APIGroups       []string
	Resources       []string
	ResourceNames   []string
	NonResourceURLs []string
}

// Attributes describe one request to authorize, as a SubjectAccessReview
// carries them.
type Attributes struct {
	User   string
	Groups []string
	Extra  map[string][]string
	UID    string

	// ResourceRequest selects between the resource fields and Path.
	ResourceRequest bool
	Verb            string

	// Resource requests.
	Namespace   string
	APIGroup    string
	APIVersion  string
	Resource    string
	Subresource string
	Name        string

	// Non-resource requests.
	Path string
}

// Allows reports whether the rule allows the request, by RBAC's rules.
func (r *Rule) Allows(a *Attributes) bool {
	if !has(r.Verbs, a.Verb) {
		return false
	}
	if !a.ResourceRequest {
		return nonResourceMatches(r.NonResourceURLs, a.Path)
	}
	return has(r.APIGroups, a.APIGroup) && resourceMatches(r.Resources, a.Resource, a.Subresource) && nameMatches(r.ResourceNames, a.Name)
}

// has reports whether list holds "*" or s.
func has(list []string, s string) bool {
	for _, v := range list {
		if v == "*" || v == s {
			return true
		}
	}
	return false
}

func resourceMatches(rules []string, resource, sub string) bool {
	for _, r := range rules {
		switch {
		case r == "*":
			return true
		case sub == "":
			if r == resource {
				return true
			}
		default:
			// "pods/log" names resource and subresource; "*/log" any resource's log.
			if p, s, ok := strings.Cut(r, "/"); ok && s == sub && (p == resource || p == "*") {
				return true
			}
		}
	}
	return false
}

// nameMatches: no names means every object; otherwise the request must
// name one of them (a list or create without a name does not match).
func nameMatches(names []string, name string) bool {
	if len(names) == 0 {
		return true
	}
	if name == "" {
		return false
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

func nonResourceMatches(urls []string, path string) bool {
	for _, u := range urls {
		if u == "*" || u == path {
			return true
		}
		if p, ok := strings.CutSuffix(u, "*"); ok && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// anyAllows reports whether one of rules allows a.
func anyAllows(rules []Rule, a *Attributes) bool {
	for i := range rules {
		if rules[i].Allows(a) {
			return true
		}
	}
	return false
}
