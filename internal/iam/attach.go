package iam

import (
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// Managed policy attachment operations shared by the role and user actions.
// iam:PolicyARN is the condition key of attach and detach, as in IAM.

// attach attaches a managed policy of the account (or an AWS managed one)
// to a user or role; attaching it again is a no-op. At most
// maxAttachedPolicies may be attached.
func (c *call) attach(kind store.PrincipalKind, ownerName, policyARN string) error {
	owner, err := c.owner(kind, ownerName, true, set("iam:PolicyARN", policyARN))
	if err != nil {
		return err
	}
	if _, err := c.attachable(policyARN); err != nil {
		return err
	}
	attached, _, err := c.s.Store.ListAttachedPolicies(c.ctx, owner, store.ListOptions{Page: store.Page{Limit: 1000}})
	if err != nil {
		return storeErr(err)
	}
	for _, a := range attached {
		if a.PolicyARN == policyARN {
			return nil
		}
	}
	if len(attached) >= maxAttachedPolicies {
		quota := "User"
		if kind == store.KindRole {
			quota = "Role"
		}
		return errTooManyAttached(quota)
	}
	if err := c.s.Store.AttachPolicy(c.ctx, owner, policyARN); err != nil {
		var se *store.Error
		if errors.As(err, &se) && se.Entity == store.EntityPolicy && errors.Is(err, store.ErrNotFound) {
			return errNoSuchPolicy(policyARN)
		}
		return storeErr(err)
	}
	c.s.invalidate()
	return nil
}

// detach detaches a managed policy; one that is not attached is IAM's
// NoSuchEntity "Policy ARN was not found.".
func (c *call) detach(kind store.PrincipalKind, ownerName, policyARN string) error {
	owner, err := c.owner(kind, ownerName, true, set("iam:PolicyARN", policyARN))
	if err != nil {
		return err
	}
	if _, err := c.policyAccount(policyARN); err != nil {
		return err
	}
	err = c.s.Store.DetachPolicy(c.ctx, owner, policyARN)
	if errors.Is(err, store.ErrNotFound) {
		return errPolicyNotAttached(policyARN)
	}
	if err != nil {
		return storeErr(err)
	}
	c.s.invalidate()
	return nil
}

// listAttached returns one page of a user's or role's attached policies.
func (c *call) listAttached(kind store.PrincipalKind, ownerName string, prefix, marker *string, maxItems *int32) (List[AttachedPolicy], string, error) {
	owner, err := c.owner(kind, ownerName, false)
	if err != nil {
		return nil, "", err
	}
	p := pathPrefix(prefix)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	ps, next, err := c.s.Store.ListAttachedPolicies(c.ctx, owner, store.ListOptions{Page: storePage(marker, maxItems), PathPrefix: p})
	if err != nil {
		return nil, "", storeErr(err)
	}
	return attachedList(ps), next, nil
}
