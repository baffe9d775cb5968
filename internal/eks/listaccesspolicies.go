package eks

import (
	"context"
	"encoding/base64"
	"net/http"
	"sort"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// AccessPolicy is an entry of ListAccessPolicies.
type AccessPolicy struct {
	Name string `json:"name"`
	Arn  string `json:"arn"`
}

// ListAccessPoliciesOutput is the response.
type ListAccessPoliciesOutput struct {
	AccessPolicies []AccessPolicy `json:"accessPolicies"`
	NextToken      string         `json:"nextToken,omitempty"`
}

// listAccessPolicies returns the fixed catalog of EKS access policies
// (AccessPolicyNames). IAM authorizes it on "*".
func (s *Service) listAccessPolicies(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	page, err := pageOf(r, "")
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListAccessPolicies", "*", nil, nil, nil); err != nil {
		return nil, err
	}
	from, to, next, ok := paginate(AccessPolicyNames, page.Marker, page.Limit)
	if !ok {
		return nil, badNextToken("")
	}
	out := &ListAccessPoliciesOutput{AccessPolicies: make([]AccessPolicy, 0, to-from), NextToken: next}
	for _, n := range AccessPolicyNames[from:to] {
		out.AccessPolicies = append(out.AccessPolicies, AccessPolicy{Name: n, Arn: AccessPolicyARN(s.partition(), n)})
	}
	return out, nil
}

// paginate pages through sorted keys: the token is the base64url of the
// last key returned, and the next page starts after it (so a deletion
// between calls neither repeats nor skips keys). It returns the bounds of
// the page and the next token ("" on the last page); ok is false for a
// token that does not decode.
func paginate(keys []string, token string, limit int) (from, to int, next string, ok bool) {
	if token != "" {
		last, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(last) == 0 {
			return 0, 0, "", false
		}
		from = sort.SearchStrings(keys, string(last))
		if from < len(keys) && keys[from] == string(last) {
			from++
		}
	}
	to = from + limit
	if to >= len(keys) {
		return from, len(keys), "", true
	}
	return from, to, base64.RawURLEncoding.EncodeToString([]byte(keys[to-1])), true
}
