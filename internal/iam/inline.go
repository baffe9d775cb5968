package iam

import (
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// Inline policy operations shared by the role and user actions.

// owner resolves and authorizes the user or role a call on inline or
// attached policies acts on, returning it with its stored name.
func (c *call) owner(kind store.PrincipalKind, name string, fresh bool, extra ...condition) (store.Principal, error) {
	if kind == store.KindRole {
		r, _, err := c.role(name, fresh, extra...)
		return store.Principal{Kind: kind, Account: c.account(), Name: r.Name}, err
	}
	u, _, err := c.user(name, fresh, extra...)
	return store.Principal{Kind: kind, Account: c.account(), Name: u.Name}, err
}

func errNoSuchInline(kind store.PrincipalKind, name string) error {
	if kind == store.KindRole {
		return errNoSuchRolePolicy(name)
	}
	return errNoSuchUserPolicy(name)
}

// putInline validates doc (identity policy, the owner's aggregate quota)
// and creates or replaces the inline policy.
func (c *call) putInline(kind store.PrincipalKind, ownerName, policyName, doc string) error {
	owner, err := c.owner(kind, ownerName, true)
	if err != nil {
		return err
	}
	if err := c.checkInlinePolicy(owner, policyName, doc); err != nil {
		return err
	}
	if err := c.s.Store.PutInlinePolicy(c.ctx, store.InlinePolicy{Owner: owner, Name: policyName, Document: doc}); err != nil {
		return storeErr(err)
	}
	c.s.invalidate()
	return nil
}

// getInline returns an inline policy and its owner's stored name.
func (c *call) getInline(kind store.PrincipalKind, ownerName, policyName string) (store.InlinePolicy, error) {
	owner, err := c.owner(kind, ownerName, false)
	if err != nil {
		return store.InlinePolicy{}, err
	}
	p, err := c.s.Store.GetInlinePolicy(c.ctx, owner, policyName)
	if errors.Is(err, store.ErrNotFound) {
		return store.InlinePolicy{}, errNoSuchInline(kind, policyName)
	}
	if err != nil {
		return store.InlinePolicy{}, storeErr(err)
	}
	p.Owner.Name = owner.Name
	return p, nil
}

func (c *call) deleteInline(kind store.PrincipalKind, ownerName, policyName string) error {
	owner, err := c.owner(kind, ownerName, true)
	if err != nil {
		return err
	}
	err = c.s.Store.DeleteInlinePolicy(c.ctx, owner, policyName)
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchInline(kind, policyName)
	}
	if err != nil {
		return storeErr(err)
	}
	c.s.invalidate()
	return nil
}

// listInline returns one page of an owner's inline policy names.
func (c *call) listInline(kind store.PrincipalKind, ownerName string, marker *string, maxItems *int32) (List[string], string, error) {
	owner, err := c.owner(kind, ownerName, false)
	if err != nil {
		return nil, "", err
	}
	ps, next, err := c.s.Store.ListInlinePolicies(c.ctx, owner, storePage(marker, maxItems))
	if err != nil {
		return nil, "", storeErr(err)
	}
	names := make(List[string], 0, len(ps))
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names, next, nil
}
