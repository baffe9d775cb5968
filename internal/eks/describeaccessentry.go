package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// describeAccessEntry returns an access entry with EKS's default username
// and groups filled in.
func (s *Service) describeAccessEntry(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	_, e, err := s.entryCall(ctx, c, "DescribeAccessEntry", r.PathValue("name"), r.PathValue("principalArn"), true, nil)
	if err != nil {
		return nil, err
	}
	return &AccessEntryOutput{AccessEntry: accessEntryOut(e)}, nil
}
