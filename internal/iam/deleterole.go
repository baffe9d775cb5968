package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteRoleInput is DeleteRole's input.
type DeleteRoleInput struct {
	RoleName string
}

// deleteRole deletes a role that has no inline or attached policies left;
// otherwise it answers DeleteConflict, as IAM does. Sessions of the role
// keep authenticating until they expire but lose every permission.
func (s *Service) deleteRole(ctx context.Context, in *DeleteRoleInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteRole", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true)
	if err != nil {
		return nil, err
	}
	owner := store.Principal{Kind: store.KindRole, Account: c.account(), Name: r.Name}
	if err := c.principalConflict(owner); err != nil {
		return nil, err
	}
	if err := s.Store.DeleteRole(ctx, c.account(), r.Name); err != nil {
		if errors.Is(err, store.ErrConflict) {
			if cerr := c.principalConflict(owner); cerr != nil {
				return nil, cerr
			}
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchRole(in.RoleName)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
