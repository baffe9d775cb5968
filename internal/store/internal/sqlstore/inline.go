package sqlstore

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// principalTables names the tables of one principal kind.
type principalTables struct {
	entity store.Entity
	owner  string // users or roles
	idCol  string // user_id or role_id
	inline string // user_policies or role_policies
	attach string // user_attachments or role_attachments
}

var (
	userTables = principalTables{store.EntityUser, "users", "user_id", "user_policies", "user_attachments"}
	roleTables = principalTables{store.EntityRole, "roles", "role_id", "role_policies", "role_attachments"}
)

func tablesFor(p store.Principal) (principalTables, error) {
	if p.Account == "" || p.Name == "" {
		return principalTables{}, invalid(store.Entity(p.Kind), p.Name, "principal account and name are required")
	}
	switch p.Kind {
	case store.KindUser:
		return userTables, nil
	case store.KindRole:
		return roleTables, nil
	}
	return principalTables{}, invalid("", p.Name, "principal kind must be user or role")
}

// requireOwner returns ErrNotFound unless the principal exists, and its
// name as stored.
func requireOwner(ctx context.Context, db DB, t principalTables, p store.Principal) (string, error) {
	var name string
	err := db.QueryRow(ctx, `SELECT name FROM `+t.owner+` WHERE account = ? AND name_key = ?`, p.Account, fold(p.Name)).Scan(&name)
	if errors.Is(err, ErrNoRows) {
		return "", notFound(t.entity, p.Name)
	}
	if err != nil {
		return "", dbErr("check "+string(t.entity), err)
	}
	return name, nil
}

// PutInlinePolicy implements store.Store.
func (s *Store) PutInlinePolicy(ctx context.Context, p store.InlinePolicy) error {
	t, err := tablesFor(p.Owner)
	if err != nil {
		return err
	}
	if p.Name == "" {
		return invalid(store.EntityInlinePolicy, "", "empty policy name")
	}
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `INSERT INTO `+t.inline+` (account, owner_key, name_key, name, document)
			SELECT o.account, o.name_key, ?, ?, ? FROM `+t.owner+` o WHERE o.account = ? AND o.name_key = ?
			ON CONFLICT (account, owner_key, name_key) DO UPDATE SET name = excluded.name, document = excluded.document`,
			fold(p.Name), p.Name, p.Document, p.Owner.Account, fold(p.Owner.Name))
		if err != nil {
			return s.createErr("put inline policy", store.EntityInlinePolicy, p.Name, err)
		}
		if n == 0 {
			_, err := requireOwner(ctx, db, t, p.Owner)
			return err
		}
		return nil
	})
}

// GetInlinePolicy implements store.Store.
func (s *Store) GetInlinePolicy(ctx context.Context, owner store.Principal, name string) (store.InlinePolicy, error) {
	t, err := tablesFor(owner)
	if err != nil {
		return store.InlinePolicy{}, err
	}
	var p store.InlinePolicy
	err = s.snapshot(ctx, func(db DB) error {
		ownerName, err := requireOwner(ctx, db, t, owner)
		if err != nil {
			return err
		}
		p = store.InlinePolicy{Owner: store.Principal{Kind: owner.Kind, Account: owner.Account, Name: ownerName}}
		err = db.QueryRow(ctx, `SELECT name, document FROM `+t.inline+` WHERE account = ? AND owner_key = ? AND name_key = ?`,
			owner.Account, fold(owner.Name), fold(name)).Scan(&p.Name, &p.Document)
		if errors.Is(err, ErrNoRows) {
			return notFound(store.EntityInlinePolicy, name)
		}
		return dbErr("get inline policy", err)
	})
	if err != nil {
		return store.InlinePolicy{}, err
	}
	return p, nil
}

// ListInlinePolicies implements store.Store.
func (s *Store) ListInlinePolicies(ctx context.Context, owner store.Principal, page store.Page) ([]store.InlinePolicy, string, error) {
	t, err := tablesFor(owner)
	if err != nil {
		return nil, "", err
	}
	pg, err := newPager(page, 1)
	if err != nil {
		return nil, "", err
	}
	var out []store.InlinePolicy
	err = s.snapshot(ctx, func(db DB) error {
		ownerName, err := requireOwner(ctx, db, t, owner)
		if err != nil {
			return err
		}
		var q strings.Builder
		args := []any{owner.Account, fold(owner.Name)}
		q.WriteString(`SELECT name, document FROM ` + t.inline + ` WHERE account = ? AND owner_key = ?`)
		pg.where(&q, &args, "name_key")
		pg.orderLimit(&q, &args, "name_key")
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list inline policies", err)
		}
		defer rows.Close()
		o := store.Principal{Kind: owner.Kind, Account: owner.Account, Name: ownerName}
		for rows.Next() {
			p := store.InlinePolicy{Owner: o}
			if err := rows.Scan(&p.Name, &p.Document); err != nil {
				return dbErr("list inline policies", err)
			}
			out = append(out, p)
		}
		return dbErr("list inline policies", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(p store.InlinePolicy) []string { return []string{fold(p.Name)} })
	return out, next, nil
}

// DeleteInlinePolicy implements store.Store.
func (s *Store) DeleteInlinePolicy(ctx context.Context, owner store.Principal, name string) error {
	t, err := tablesFor(owner)
	if err != nil {
		return err
	}
	return s.write(ctx, func(db DB) error {
		if _, err := requireOwner(ctx, db, t, owner); err != nil {
			return err
		}
		n, err := db.Exec(ctx, `DELETE FROM `+t.inline+` WHERE account = ? AND owner_key = ? AND name_key = ?`,
			owner.Account, fold(owner.Name), fold(name))
		if err != nil {
			return dbErr("delete inline policy", err)
		}
		if n == 0 {
			return notFound(store.EntityInlinePolicy, name)
		}
		return nil
	})
}

// GetPrincipalPolicies implements store.Store. It is one statement, so it
// reads one snapshot without a transaction: the owner row (part 0), its
// inline policies (part 1) and the default versions of its attached
// policies (part 2).
func (s *Store) GetPrincipalPolicies(ctx context.Context, owner store.Principal) (store.PrincipalPolicies, error) {
	t, err := tablesFor(owner)
	if err != nil {
		return store.PrincipalPolicies{}, err
	}
	acct, key := owner.Account, fold(owner.Name)
	q := `SELECT 0, name, '', '', 0 FROM ` + t.owner + ` WHERE account = ? AND name_key = ?
		UNION ALL
		SELECT 1, name, document, '', 0 FROM ` + t.inline + ` WHERE account = ? AND owner_key = ?
		UNION ALL
		SELECT 2, p.name, v.document, p.arn, v.version_num FROM ` + t.attach + ` a
			JOIN policies p ON p.arn = a.policy_arn
			JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_num = p.default_version
			WHERE a.account = ? AND a.owner_key = ?`
	var out store.PrincipalPolicies
	found := false
	err = s.read(func(db DB) error {
		rows, err := db.Query(ctx, q, acct, key, acct, key, acct, key)
		if err != nil {
			return dbErr("get principal policies", err)
		}
		defer rows.Close()
		for rows.Next() {
			var part, num int64
			var name, doc, arn string
			if err := rows.Scan(&part, &name, &doc, &arn, &num); err != nil {
				return dbErr("get principal policies", err)
			}
			switch part {
			case 0:
				found = true
				owner.Name = name
			case 1:
				out.Inline = append(out.Inline, store.InlinePolicy{Name: name, Document: doc})
			case 2:
				out.Attached = append(out.Attached, store.EffectivePolicy{PolicyARN: arn, PolicyName: name, VersionID: versionID(num), Document: doc})
			}
		}
		return dbErr("get principal policies", rows.Err())
	})
	if err != nil {
		return store.PrincipalPolicies{}, err
	}
	if !found {
		return store.PrincipalPolicies{}, notFound(t.entity, owner.Name)
	}
	for i := range out.Inline {
		out.Inline[i].Owner = owner
	}
	sort.Slice(out.Inline, func(i, j int) bool { return fold(out.Inline[i].Name) < fold(out.Inline[j].Name) })
	sort.Slice(out.Attached, func(i, j int) bool {
		a, b := out.Attached[i], out.Attached[j]
		if ka, kb := fold(a.PolicyName), fold(b.PolicyName); ka != kb {
			return ka < kb
		}
		return a.PolicyARN < b.PolicyARN
	})
	return out, nil
}
