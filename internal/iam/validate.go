package iam

import (
	"context"
	"strings"
	"unicode"

	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// IAM quotas trustbridge enforces, at AWS's default values.
const (
	maxAccessKeys       = 2  // access keys per user (and per root)
	maxTags             = 50 // tags per user, role, policy or provider
	maxAttachedPolicies = 10 // managed policies attached per user or role
	maxClientIDs        = 100
	maxThumbprints      = 5
)

// docSize is a policy document's size as IAM counts it against its quotas:
// characters, not counting whitespace.
func docSize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkTrustPolicy validates a role trust policy: its size (LimitExceeded,
// as IAM), then its grammar and trust rules (MalformedPolicyDocument).
func checkTrustPolicy(doc string) error {
	if docSize(doc) > policy.MaxTrustPolicySize {
		return errTrustPolicyTooLarge(policy.MaxTrustPolicySize)
	}
	_, err := policy.Parse(doc, policy.KindTrust, policy.MaxTrustPolicySize)
	return err
}

// checkManagedPolicy validates a managed policy document.
func checkManagedPolicy(doc string) error {
	if docSize(doc) > policy.MaxManagedPolicySize {
		return errManagedPolicyTooLarge(policy.MaxManagedPolicySize)
	}
	_, err := policy.Parse(doc, policy.KindIdentity, policy.MaxManagedPolicySize)
	return err
}

// checkInlinePolicy validates an inline policy for owner, whose other
// inline policies (all but the one named name, which doc replaces) count
// against the same aggregate quota, as in IAM.
func (c *call) checkInlinePolicy(owner store.Principal, name, doc string) error {
	max := policy.MaxInlineUserPolicySize
	if owner.Kind == store.KindRole {
		max = policy.MaxInlineRolePolicySize
	}
	size := docSize(doc)
	if size > max {
		return errInlinePolicyTooLarge(max, string(owner.Kind), owner.Name)
	}
	if _, err := policy.Parse(doc, policy.KindIdentity, max); err != nil {
		return err
	}
	others, err := c.inlineSizes(c.ctx, owner, name)
	if err != nil {
		return err
	}
	if size+others > max {
		return errInlinePolicyTooLarge(max, string(owner.Kind), owner.Name)
	}
	return nil
}

// inlineSizes sums the sizes of owner's inline policies except skip.
func (c *call) inlineSizes(ctx context.Context, owner store.Principal, skip string) (int, error) {
	total := 0
	page := store.Page{Limit: 1000}
	for {
		ps, next, err := c.s.Store.ListInlinePolicies(ctx, owner, page)
		if err != nil {
			return 0, err
		}
		for _, p := range ps {
			if !strings.EqualFold(p.Name, skip) {
				total += docSize(p.Document)
			}
		}
		if next == "" {
			return total, nil
		}
		page.Marker = next
	}
}

// checkTags validates the tags of a request: no duplicate keys (compared
// without regard to case when caseInsensitive, as IAM does for users and
// roles), no reserved "aws:" prefix.
func checkTags(tags []Tag, caseInsensitive bool) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := t.Key
		if caseInsensitive {
			k = strings.ToLower(k)
		}
		if seen[k] {
			return errDuplicateTagKeys()
		}
		seen[k] = true
		if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:") {
			return errReservedTagKey()
		}
	}
	return nil
}

// mergeTags returns existing with tags added or replaced. For users and
// roles keys are case-insensitive: a tag replaces one whose key differs
// only in case, and takes the new key's case. kind names the quota.
func mergeTags(existing map[string]string, tags []Tag, caseInsensitive bool, kind string) (map[string]string, error) {
	if err := checkTags(tags, caseInsensitive); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(existing)+len(tags))
	for k, v := range existing {
		out[k] = v
	}
	for _, t := range tags {
		if caseInsensitive {
			for k := range out {
				if strings.EqualFold(k, t.Key) {
					delete(out, k)
				}
			}
		}
		out[t.Key] = t.Value
	}
	if len(out) > maxTags {
		return nil, errTooManyTags(kind)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// removeTags returns existing without keys (case-insensitively for users
// and roles). Keys that are not present are ignored, as in IAM.
func removeTags(existing map[string]string, keys []string, caseInsensitive bool) map[string]string {
	out := make(map[string]string, len(existing))
	for k, v := range existing {
		out[k] = v
	}
	for _, key := range keys {
		for k := range out {
			if k == key || caseInsensitive && strings.EqualFold(k, key) {
				delete(out, k)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// tagMap converts request tags (already checked) to a map.
func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}
