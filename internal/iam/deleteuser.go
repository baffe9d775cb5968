package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteUserInput is DeleteUser's input.
type DeleteUserInput struct {
	UserName string
}

// deleteUser deletes a user that has no access keys, inline policies or
// attached policies left; otherwise it answers DeleteConflict naming the
// first thing to remove, as IAM does.
func (s *Service) deleteUser(ctx context.Context, in *DeleteUserInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteUser", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, true)
	if err != nil {
		return nil, err
	}
	owner := store.Principal{Kind: store.KindUser, Account: c.account(), Name: u.Name}
	if err := c.principalConflict(owner); err != nil {
		return nil, err
	}
	if err := s.Store.DeleteUser(ctx, c.account(), u.Name); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Something was added since the check above.
			if cerr := c.principalConflict(owner); cerr != nil {
				return nil, cerr
			}
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchUser(in.UserName)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}

// principalConflict returns the DeleteConflict a user or role deletion
// gets while it still has access keys (users), inline policies or attached
// managed policies, or nil.
func (c *call) principalConflict(owner store.Principal) error {
	if owner.Kind == store.KindUser {
		keys, err := c.s.Store.ListAccessKeys(c.ctx, owner.Account, owner.Name)
		if err != nil {
			return storeErr(err)
		}
		if len(keys) > 0 {
			return errMustDeleteAccessKeys
		}
	}
	inline, _, err := c.s.Store.ListInlinePolicies(c.ctx, owner, store.Page{Limit: 1})
	if err != nil {
		return storeErr(err)
	}
	if len(inline) > 0 {
		return errMustDeletePolicies
	}
	attached, _, err := c.s.Store.ListAttachedPolicies(c.ctx, owner, store.ListOptions{Page: store.Page{Limit: 1}})
	if err != nil {
		return storeErr(err)
	}
	if len(attached) > 0 {
		return errMustDetachPolicies
	}
	return nil
}
