package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// Session duration limits.
const (
	defaultDuration   = 3600
	chainedMaxSeconds = 3600
	maxSessionTags    = 50
	// maxPackedPlaintext is the budget PackedPolicySize is a percentage of.
	maxPackedPlaintext = 2048
)

// lookupRole resolves a role ARN. A missing role or a malformed ARN is not
// revealed to the caller: AWS answers AccessDenied, and so does the
// caller of lookupRole; the error returned here is the explanation.
func (s *Service) lookupRole(ctx context.Context, roleARN string) (*storecache.Role, error) {
	acct, path, name, err := arn.IAMResource(roleARN, "role")
	if err != nil {
		return nil, fmt.Errorf("%q is not a role ARN", roleARN)
	}
	r, err := s.Cache.Role(ctx, s.partition(), acct, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("role %s does not exist in account %s", name, acct)
	}
	if err != nil {
		return nil, err
	}
	if r.Path != path || r.Name != name {
		return nil, fmt.Errorf("the role's ARN is %s, not %s", r.ARN, roleARN)
	}
	if r.Trust == nil {
		return nil, fmt.Errorf("the trust policy of role %s does not parse, so nobody can assume it", r.Name)
	}
	return r, nil
}

// duration checks DurationSeconds against the role and chaining limits.
func duration(requested *int32, role *storecache.Role, chained bool) (time.Duration, error) {
	d := int32(defaultDuration)
	if requested != nil {
		d = *requested
	}
	maxDur := role.MaxSessionDuration
	if maxDur == 0 {
		maxDur = 3600
	}
	if chained && d > chainedMaxSeconds {
		return 0, apierror.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if d > maxDur {
		return 0, apierror.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return time.Duration(d) * time.Second, nil
}

// sessionPolicies validates the inline session policy and the managed
// session policies, and returns the packed size percentage.
func (s *Service) sessionPolicies(ctx context.Context, inline *string, arns []PolicyDescriptor, tags []Tag) (string, []string, int, error) {
	doc := ""
	if inline != nil {
		doc = *inline
		if _, err := policy.Parse(doc, policy.KindIdentity, 0); err != nil {
			return "", nil, 0, err
		}
	}
	var list []string
	for _, p := range arns {
		if _, err := s.Cache.ManagedPolicyDocument(ctx, p.Arn); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return "", nil, 0, &apierror.Error{Code: "InvalidParameterValue", Message: "Policy " + p.Arn + " does not exist or is not attachable.", Status: 400}
			}
			return "", nil, 0, err
		}
		list = append(list, p.Arn)
	}
	// AWS packs (compresses) policies and tags; the exact algorithm is not
	// public. This counts non-whitespace policy characters, the policy ARNs
	// and the tags against the 2,048-character plaintext budget.
	n := compactLen(doc)
	for _, a := range list {
		n += len(a)
	}
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	packed := (n*100 + maxPackedPlaintext - 1) / maxPackedPlaintext
	if packed > 100 {
		return "", nil, packed, &apierror.Error{Code: "PackedPolicyTooLarge", Message: fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy.", packed), Status: 400}
	}
	return doc, list, packed, nil
}

func compactLen(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// sessionTags merges the caller's transitive tags with the requested tags
// and validates them as STS does.
func sessionTags(c *auth.Caller, tags []Tag, transitive []string) ([]sessiontoken.Tag, []string, error) {
	var out []sessiontoken.Tag
	var outTransitive []string
	seen := map[string]bool{}
	inherited := map[string]bool{}
	if c != nil && c.Temporary {
		trans := map[string]bool{}
		for _, k := range c.TransitiveTagKeys {
			trans[strings.ToLower(k)] = true
		}
		for _, t := range c.SessionTags {
			if trans[strings.ToLower(t.Key)] {
				out = append(out, sessiontoken.Tag{Key: t.Key, Value: t.Value})
				outTransitive = append(outTransitive, t.Key)
				seen[strings.ToLower(t.Key)] = true
				inherited[strings.ToLower(t.Key)] = true
			}
		}
	}
	requested := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if requested[k] {
			return nil, nil, apierror.ValidationError("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		requested[k] = true
		if inherited[k] {
			return nil, nil, &apierror.Error{Code: "InvalidParameterValue", Message: "One or more of the specified transitive tag keys can't be set because they conflict with a transitive tag key from the calling session.", Status: 400}
		}
		if strings.HasPrefix(k, "aws:") {
			return nil, nil, &apierror.Error{Code: "InvalidParameterValue", Message: "Tag keys can't start with aws:", Status: 400}
		}
		out = append(out, sessiontoken.Tag{Key: t.Key, Value: t.Value})
		seen[k] = true
	}
	for _, k := range transitive {
		if !requested[strings.ToLower(k)] {
			return nil, nil, &apierror.Error{Code: "InvalidParameterValue", Message: "The specified transitive tag key must be included in the requested tags.", Status: 400}
		}
		outTransitive = append(outTransitive, k)
	}
	if len(out) > maxSessionTags {
		return nil, nil, &apierror.Error{Code: "InvalidParameterValue", Message: fmt.Sprintf("Session tags exceed the limit of %d.", maxSessionTags), Status: 400}
	}
	return out, outTransitive, nil
}

// tagContext adds aws:RequestTag/..., aws:TagKeys and sts:TransitiveTagKeys.
func tagContext(ctx *policy.Context, tags []Tag, transitive []string) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		ctx.Set("aws:RequestTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	ctx.SetMulti("aws:TagKeys", keys)
	if len(transitive) > 0 {
		ctx.SetMulti("sts:TransitiveTagKeys", transitive)
	}
}

// packed reports PackedPolicySize only when the request carried session
// policies or tags, as AWS does.
func packedPtr(packed int, used bool) *int32 {
	if !used {
		return nil
	}
	v := int32(packed)
	return &v
}
