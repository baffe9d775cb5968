package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateAccessKeyInput is CreateAccessKey's input. Without UserName the
// key is for the caller: the calling user, or the account root.
type CreateAccessKeyInput struct {
	UserName *string
}

// CreateAccessKeyResult is CreateAccessKey's result: the only time the
// secret is ever returned.
type CreateAccessKeyResult struct {
	AccessKey AccessKey
}

// createAccessKey issues an AKIA key that encodes the account (as AWS
// keys do) with a fresh secret, which is sealed with the server key ring,
// bound to the key ID, before it reaches the store. A user (and the root)
// may have at most two keys.
func (s *Service) createAccessKey(ctx context.Context, in *CreateAccessKeyInput) (*CreateAccessKeyResult, error) {
	c, err := s.begin(ctx, "CreateAccessKey", "userName", str(in.UserName))
	if err != nil {
		return nil, err
	}
	name, err := c.keyOwner(in.UserName)
	if err != nil {
		return nil, err
	}
	keys, err := s.Store.ListAccessKeys(ctx, c.account(), name)
	if err != nil {
		return nil, storeErr(err)
	}
	if len(keys) >= maxAccessKeys {
		return nil, errTooManyAccessKeys()
	}
	if s.Ring == nil {
		return nil, errors.New("iam: no server key ring to seal secrets with")
	}
	now := s.now()
	for attempt := 0; ; attempt++ {
		id := awsid.NewAccessKeyID(awsid.PrefixAccessKey, c.account())
		secret := awsid.NewSecretAccessKey()
		sealed, err := s.Ring.SealSecret([]byte(secret), []byte(id))
		if err != nil {
			return nil, err
		}
		k := store.AccessKey{AccessKeyID: id, Account: c.account(), UserName: name, SecretCiphertext: sealed, Status: store.StatusActive, CreateDate: now}
		err = s.Store.CreateAccessKey(ctx, k)
		if errors.Is(err, store.ErrAlreadyExists) && attempt < 3 {
			continue // a key ID collision: draw another
		}
		if err != nil {
			return nil, storeErr(err)
		}
		s.invalidate()
		return &CreateAccessKeyResult{AccessKey: AccessKey{
			UserName: name, AccessKeyId: id, Status: store.StatusActive, SecretAccessKey: secret, CreateDate: awsquery.Time(now),
		}}, nil
	}
}

// keyOwner resolves and authorizes the user whose access keys a call acts
// on: UserName, or the caller itself when it is absent. It returns the
// user's stored name, or "" for the account root's own keys.
func (c *call) keyOwner(userName *string) (string, error) {
	name, err := c.selfUser(userName)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", c.authorize(arn.Root(c.partition(), c.account()))
	}
	u, _, err := c.user(name, true)
	if err != nil {
		return "", err
	}
	return u.Name, nil
}
