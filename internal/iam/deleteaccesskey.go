package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteAccessKeyInput is DeleteAccessKey's input. Without UserName the key
// must belong to the caller.
type DeleteAccessKeyInput struct {
	UserName    *string
	AccessKeyId string //nolint:revive // AWS member name
}

func (s *Service) deleteAccessKey(ctx context.Context, in *DeleteAccessKeyInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteAccessKey", "userName", str(in.UserName), "accessKeyId", in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	k, err := c.ownedKey(in.UserName, in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchAccessKey(in.AccessKeyId)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}

// ownedKey returns access key id of the user a call acts on (see
// keyOwner); a key of anyone else is NoSuchEntity, as in IAM.
func (c *call) ownedKey(userName *string, id string) (store.AccessKey, error) {
	name, err := c.keyOwner(userName)
	if err != nil {
		return store.AccessKey{}, err
	}
	k, err := c.s.Store.GetAccessKey(c.ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (k.Account != c.account() || !strings.EqualFold(k.UserName, name)) {
		return store.AccessKey{}, errNoSuchAccessKey(id)
	}
	if err != nil {
		return store.AccessKey{}, storeErr(err)
	}
	return k, nil
}
