package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateAccessKeyInput is UpdateAccessKey's input.
type UpdateAccessKeyInput struct {
	UserName    *string
	AccessKeyId string //nolint:revive // AWS member name
	Status      string
}

// updateAccessKey activates or deactivates a key. An inactive key stops
// authenticating at once on this replica (the cache is invalidated) and
// within the cache's poll interval on the others.
func (s *Service) updateAccessKey(ctx context.Context, in *UpdateAccessKeyInput) (*noResult, error) {
	c, err := s.begin(ctx, "UpdateAccessKey", "userName", str(in.UserName), "accessKeyId", in.AccessKeyId, "status", in.Status)
	if err != nil {
		return nil, err
	}
	k, err := c.ownedKey(in.UserName, in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	if in.Status != store.StatusActive && in.Status != store.StatusInactive {
		return nil, invalidInput("The specified value for status is invalid. It must be Active or Inactive.")
	}
	if k.Status == in.Status {
		return nil, nil
	}
	err = s.Store.UpdateAccessKey(ctx, k.AccessKeyID, func(x *store.AccessKey) error {
		x.Status = in.Status
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchAccessKey(in.AccessKeyId)
	}
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
