package sqlstore

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// CreatePolicy implements store.Store.
func (s *Store) CreatePolicy(ctx context.Context, p store.ManagedPolicy) error {
	if p.ARN == "" || p.Account == "" || p.Name == "" || p.PolicyID == "" {
		return invalid(store.EntityPolicy, p.ARN, "ARN, account, name and policy ID are required")
	}
	if len(p.Versions) == 0 || len(p.Versions) > store.MaxPolicyVersions {
		return invalid(store.EntityPolicy, p.ARN, "a policy needs 1 to 5 versions")
	}
	var maxNum, defNum int64
	seen := map[int64]bool{}
	for _, v := range p.Versions {
		n, ok := parseVersionID(v.VersionID)
		if !ok || seen[n] {
			return invalid(store.EntityPolicyVersion, v.VersionID, "version IDs must be distinct v<N>")
		}
		seen[n] = true
		maxNum = max(maxNum, n)
		if v.VersionID == p.DefaultVersionID {
			defNum = n
		}
	}
	if defNum == 0 {
		return invalid(store.EntityPolicy, p.ARN, "DefaultVersionID must name one of Versions")
	}
	return s.write(ctx, func(db DB) error {
		if p.Account != store.AWSAccount {
			if err := requireAccount(ctx, db, p.Account); err != nil {
				return err
			}
		}
		n, err := db.Exec(ctx, `INSERT INTO policies (arn, account, name_key, name, path, policy_id, description, default_version, next_version, create_date, tags)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			p.ARN, p.Account, fold(p.Name), p.Name, defaultPath(p.Path), p.PolicyID, p.Description, defNum, maxNum+1, ts(p.CreateDate), encodeTags(p.Tags))
		if err != nil {
			return s.createErr("create policy", store.EntityPolicy, p.ARN, err)
		}
		if n == 0 {
			return exists(store.EntityPolicy, p.Name)
		}
		for _, v := range p.Versions {
			n, _ := parseVersionID(v.VersionID)
			if _, err := db.Exec(ctx, `INSERT INTO policy_versions (policy_arn, version_num, document, create_date) VALUES (?, ?, ?, ?)`,
				p.ARN, n, v.Document, ts(v.CreateDate)); err != nil {
				return s.createErr("create policy version", store.EntityPolicyVersion, v.VersionID, err)
			}
		}
		return nil
	})
}

// policyCols are the columns of policies p; the caller appends the
// computed columns.
const policyCols = `p.arn, p.account, p.name, p.path, p.policy_id, p.description, p.default_version, p.create_date, p.tags,
	COALESCE((SELECT MAX(v.create_date) FROM policy_versions v WHERE v.policy_arn = p.arn), 0)`

func scanPolicy(r Row) (store.ManagedPolicy, error) {
	var p store.ManagedPolicy
	var def, created, updated, attached, boundary int64
	var tags string
	if err := r.Scan(&p.ARN, &p.Account, &p.Name, &p.Path, &p.PolicyID, &p.Description, &def, &created, &tags, &updated, &attached, &boundary); err != nil {
		return store.ManagedPolicy{}, err
	}
	p.DefaultVersionID = versionID(def)
	p.CreateDate = fromTS(created)
	p.UpdateDate = fromTS(updated)
	p.AttachmentCount = int(attached)
	p.PermissionsBoundaryUsageCount = int(boundary)
	var err error
	p.Tags, err = decodeTags(tags)
	return p, err
}

// getPolicy reads a policy with its versions; db must be a snapshot.
func getPolicy(ctx context.Context, db DB, arn string) (store.ManagedPolicy, error) {
	p, err := scanPolicy(db.QueryRow(ctx, `SELECT `+policyCols+`,
		(SELECT COUNT(*) FROM user_attachments a WHERE a.policy_arn = p.arn) + (SELECT COUNT(*) FROM role_attachments a WHERE a.policy_arn = p.arn),
		(SELECT COUNT(*) FROM users u WHERE u.boundary_arn = p.arn) + (SELECT COUNT(*) FROM roles r WHERE r.boundary_arn = p.arn)
		FROM policies p WHERE p.arn = ?`, arn))
	if errors.Is(err, ErrNoRows) {
		return store.ManagedPolicy{}, notFound(store.EntityPolicy, arn)
	}
	if err != nil {
		return store.ManagedPolicy{}, dbErr("get policy", err)
	}
	rows, err := db.Query(ctx, `SELECT version_num, document, create_date FROM policy_versions WHERE policy_arn = ? ORDER BY version_num`, arn)
	if err != nil {
		return store.ManagedPolicy{}, dbErr("get policy versions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var num, created int64
		var v store.PolicyVersion
		if err := rows.Scan(&num, &v.Document, &created); err != nil {
			return store.ManagedPolicy{}, dbErr("get policy versions", err)
		}
		v.VersionID = versionID(num)
		v.IsDefault = v.VersionID == p.DefaultVersionID
		v.CreateDate = fromTS(created)
		p.Versions = append(p.Versions, v)
	}
	if err := rows.Err(); err != nil {
		return store.ManagedPolicy{}, dbErr("get policy versions", err)
	}
	return p, nil
}

// GetPolicy implements store.Store.
func (s *Store) GetPolicy(ctx context.Context, arn string) (store.ManagedPolicy, error) {
	var p store.ManagedPolicy
	err := s.snapshot(ctx, func(db DB) (err error) {
		p, err = getPolicy(ctx, db, arn)
		return err
	})
	return p, err
}

// requirePolicy returns ErrNotFound unless the policy exists.
func requirePolicy(ctx context.Context, db DB, arn string) error {
	var one int64
	err := db.QueryRow(ctx, `SELECT 1 FROM policies WHERE arn = ?`, arn).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return notFound(store.EntityPolicy, arn)
	}
	return dbErr("check policy", err)
}

// ListPolicies implements store.Store.
func (s *Store) ListPolicies(ctx context.Context, opts store.PolicyListOptions) ([]store.ManagedPolicy, string, error) {
	if opts.Account == "" {
		return nil, "", invalid(store.EntityPolicy, "", "the listing account is required")
	}
	var owners []any
	switch opts.Scope {
	case store.ScopeAll, "":
		owners = []any{opts.Account, store.AWSAccount}
	case store.ScopeAWS:
		owners = []any{store.AWSAccount}
	case store.ScopeLocal:
		owners = []any{opts.Account}
	default:
		return nil, "", invalid(store.EntityPolicy, "", "unknown scope")
	}
	pg, err := newPager(opts.Page, 2)
	if err != nil {
		return nil, "", err
	}
	acct := opts.Account
	var q strings.Builder
	args := []any{acct, acct, acct, acct}
	q.WriteString(`SELECT ` + policyCols + `,
		(SELECT COUNT(*) FROM user_attachments a WHERE a.policy_arn = p.arn AND a.account = ?) + (SELECT COUNT(*) FROM role_attachments a WHERE a.policy_arn = p.arn AND a.account = ?),
		(SELECT COUNT(*) FROM users u WHERE u.boundary_arn = p.arn AND u.account = ?) + (SELECT COUNT(*) FROM roles r WHERE r.boundary_arn = p.arn AND r.account = ?)
		FROM policies p WHERE p.account IN (?` + strings.Repeat(", ?", len(owners)-1) + `)`)
	args = append(args, owners...)
	pathPrefix(&q, &args, "p.path", opts.PathPrefix)
	if opts.OnlyAttached {
		q.WriteString(` AND (EXISTS (SELECT 1 FROM user_attachments a WHERE a.policy_arn = p.arn AND a.account = ?)
			OR EXISTS (SELECT 1 FROM role_attachments a WHERE a.policy_arn = p.arn AND a.account = ?))`)
		args = append(args, acct, acct)
	}
	pg.where(&q, &args, "p.name_key", "p.account")
	pg.orderLimit(&q, &args, "p.name_key", "p.account")
	var out []store.ManagedPolicy
	err = s.read(func(db DB) error {
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list policies", err)
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPolicy(rows)
			if err != nil {
				return dbErr("list policies", err)
			}
			out = append(out, p)
		}
		return dbErr("list policies", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(p store.ManagedPolicy) []string { return []string{fold(p.Name), p.Account} })
	return out, next, nil
}

// UpdatePolicy implements store.Store.
func (s *Store) UpdatePolicy(ctx context.Context, arn string, fn func(*store.ManagedPolicy) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getPolicy(ctx, db, arn)
		if err != nil {
			return err
		}
		p := old
		p.Tags = cloneTags(old.Tags)
		p.Versions = append([]store.PolicyVersion(nil), old.Versions...)
		if err := fn(&p); err != nil {
			return err
		}
		if p.ARN != old.ARN || p.Account != old.Account || p.Name != old.Name || p.Path != old.Path || p.PolicyID != old.PolicyID ||
			p.DefaultVersionID != old.DefaultVersionID || !p.CreateDate.Equal(old.CreateDate) || !reflect.DeepEqual(p.Versions, old.Versions) {
			return invalid(store.EntityPolicy, arn, "only Description and Tags may change")
		}
		_, err = db.Exec(ctx, `UPDATE policies SET description = ?, tags = ? WHERE arn = ?`, p.Description, encodeTags(p.Tags), arn)
		return dbErr("update policy", err)
	})
}

// DeletePolicy implements store.Store.
func (s *Store) DeletePolicy(ctx context.Context, arn string) error {
	return s.write(ctx, func(db DB) error {
		if err := requirePolicy(ctx, db, arn); err != nil {
			return err
		}
		var attached int64
		err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM user_attachments WHERE policy_arn = ?) + (SELECT COUNT(*) FROM role_attachments WHERE policy_arn = ?)`,
			arn, arn).Scan(&attached)
		if err != nil {
			return dbErr("delete policy", err)
		}
		if attached > 0 {
			return conflict(store.EntityPolicy, arn, "the policy is still attached")
		}
		if _, err := db.Exec(ctx, `DELETE FROM policy_versions WHERE policy_arn = ?`, arn); err != nil {
			return dbErr("delete policy versions", err)
		}
		if _, err := db.Exec(ctx, `DELETE FROM policies WHERE arn = ?`, arn); err != nil {
			return s.deleteErr("delete policy", store.EntityPolicy, arn, err)
		}
		return nil
	})
}

// CreatePolicyVersion implements store.Store.
func (s *Store) CreatePolicyVersion(ctx context.Context, arn string, v store.PolicyVersion, setAsDefault bool) (store.PolicyVersion, error) {
	err := s.write(ctx, func(db DB) error {
		var next, count int64
		err := db.QueryRow(ctx, `SELECT next_version, (SELECT COUNT(*) FROM policy_versions v WHERE v.policy_arn = p.arn) FROM policies p WHERE p.arn = ?`,
			arn).Scan(&next, &count)
		if errors.Is(err, ErrNoRows) {
			return notFound(store.EntityPolicy, arn)
		}
		if err != nil {
			return dbErr("create policy version", err)
		}
		if count >= store.MaxPolicyVersions {
			return &store.Error{Err: store.ErrLimitExceeded, Entity: store.EntityPolicy, Name: arn, Detail: "a managed policy can have up to 5 versions"}
		}
		if _, err := db.Exec(ctx, `INSERT INTO policy_versions (policy_arn, version_num, document, create_date) VALUES (?, ?, ?, ?)`,
			arn, next, v.Document, ts(v.CreateDate)); err != nil {
			return s.createErr("create policy version", store.EntityPolicyVersion, versionID(next), err)
		}
		def := `default_version`
		if setAsDefault {
			def = `next_version`
		}
		if _, err := db.Exec(ctx, `UPDATE policies SET default_version = `+def+`, next_version = next_version + 1 WHERE arn = ?`, arn); err != nil {
			return dbErr("create policy version", err)
		}
		v.VersionID = versionID(next)
		v.IsDefault = setAsDefault
		v.CreateDate = fromTS(ts(v.CreateDate))
		return nil
	})
	if err != nil {
		return store.PolicyVersion{}, err
	}
	return v, nil
}

// getVersion returns a version's number, document, create date and whether
// it is the default.
func getVersion(ctx context.Context, db DB, arn, id string) (store.PolicyVersion, int64, error) {
	num, ok := parseVersionID(id)
	if !ok {
		return store.PolicyVersion{}, 0, invalid(store.EntityPolicyVersion, id, "a version ID is v<N>")
	}
	if err := requirePolicy(ctx, db, arn); err != nil {
		return store.PolicyVersion{}, 0, err
	}
	var v store.PolicyVersion
	var created, def int64
	err := db.QueryRow(ctx, `SELECT v.document, v.create_date, p.default_version FROM policy_versions v JOIN policies p ON p.arn = v.policy_arn
		WHERE v.policy_arn = ? AND v.version_num = ?`, arn, num).Scan(&v.Document, &created, &def)
	if errors.Is(err, ErrNoRows) {
		return store.PolicyVersion{}, 0, notFound(store.EntityPolicyVersion, id)
	}
	if err != nil {
		return store.PolicyVersion{}, 0, dbErr("get policy version", err)
	}
	v.VersionID = versionID(num)
	v.IsDefault = def == num
	v.CreateDate = fromTS(created)
	return v, num, nil
}

// GetPolicyVersion implements store.Store.
func (s *Store) GetPolicyVersion(ctx context.Context, arn, id string) (store.PolicyVersion, error) {
	var v store.PolicyVersion
	err := s.snapshot(ctx, func(db DB) (err error) {
		v, _, err = getVersion(ctx, db, arn, id)
		return err
	})
	return v, err
}

// SetDefaultPolicyVersion implements store.Store.
func (s *Store) SetDefaultPolicyVersion(ctx context.Context, arn, id string) error {
	return s.write(ctx, func(db DB) error {
		_, num, err := getVersion(ctx, db, arn, id)
		if err != nil {
			return err
		}
		_, err = db.Exec(ctx, `UPDATE policies SET default_version = ? WHERE arn = ?`, num, arn)
		return dbErr("set default policy version", err)
	})
}

// DeletePolicyVersion implements store.Store.
func (s *Store) DeletePolicyVersion(ctx context.Context, arn, id string) error {
	return s.write(ctx, func(db DB) error {
		v, num, err := getVersion(ctx, db, arn, id)
		if err != nil {
			return err
		}
		if v.IsDefault {
			return conflict(store.EntityPolicyVersion, id, "cannot delete the default version of a policy")
		}
		_, err = db.Exec(ctx, `DELETE FROM policy_versions WHERE policy_arn = ? AND version_num = ?`, arn, num)
		return dbErr("delete policy version", err)
	})
}

// AttachPolicy implements store.Store.
func (s *Store) AttachPolicy(ctx context.Context, to store.Principal, arn string) error {
	t, err := tablesFor(to)
	if err != nil {
		return err
	}
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `INSERT INTO `+t.attach+` (account, owner_key, policy_arn)
			SELECT o.account, o.name_key, p.arn FROM `+t.owner+` o, policies p WHERE o.account = ? AND o.name_key = ? AND p.arn = ?
			ON CONFLICT DO NOTHING`,
			to.Account, fold(to.Name), arn)
		if err != nil {
			return s.createErr("attach policy", store.EntityAttachment, arn, err)
		}
		if n == 0 { // a missing owner or policy, or already attached
			if _, err := requireOwner(ctx, db, t, to); err != nil {
				return err
			}
			return requirePolicy(ctx, db, arn)
		}
		return nil
	})
}

// DetachPolicy implements store.Store.
func (s *Store) DetachPolicy(ctx context.Context, from store.Principal, arn string) error {
	t, err := tablesFor(from)
	if err != nil {
		return err
	}
	return s.write(ctx, func(db DB) error {
		if _, err := requireOwner(ctx, db, t, from); err != nil {
			return err
		}
		n, err := db.Exec(ctx, `DELETE FROM `+t.attach+` WHERE account = ? AND owner_key = ? AND policy_arn = ?`,
			from.Account, fold(from.Name), arn)
		if err != nil {
			return dbErr("detach policy", err)
		}
		if n == 0 {
			return notFound(store.EntityAttachment, arn)
		}
		return nil
	})
}

// ListAttachedPolicies implements store.Store.
func (s *Store) ListAttachedPolicies(ctx context.Context, owner store.Principal, opts store.ListOptions) ([]store.AttachedPolicy, string, error) {
	t, err := tablesFor(owner)
	if err != nil {
		return nil, "", err
	}
	pg, err := newPager(opts.Page, 2)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{owner.Account, fold(owner.Name)}
	q.WriteString(`SELECT p.arn, p.name FROM ` + t.attach + ` a JOIN policies p ON p.arn = a.policy_arn WHERE a.account = ? AND a.owner_key = ?`)
	pathPrefix(&q, &args, "p.path", opts.PathPrefix)
	pg.where(&q, &args, "p.name_key", "p.arn")
	pg.orderLimit(&q, &args, "p.name_key", "p.arn")
	var out []store.AttachedPolicy
	err = s.snapshot(ctx, func(db DB) error {
		if _, err := requireOwner(ctx, db, t, owner); err != nil {
			return err
		}
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list attached policies", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a store.AttachedPolicy
			if err := rows.Scan(&a.PolicyARN, &a.PolicyName); err != nil {
				return dbErr("list attached policies", err)
			}
			out = append(out, a)
		}
		return dbErr("list attached policies", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(a store.AttachedPolicy) []string { return []string{fold(a.PolicyName), a.PolicyARN} })
	return out, next, nil
}

// ListPolicyEntities implements store.Store.
func (s *Store) ListPolicyEntities(ctx context.Context, arn string, page store.Page) ([]store.PolicyEntity, string, error) {
	pg, err := newPager(page, 3)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{arn, arn}
	q.WriteString(`SELECT kind, account, name_key, name, id FROM (
		SELECT 'role' AS kind, r.account AS account, r.name_key AS name_key, r.name AS name, r.role_id AS id
			FROM role_attachments a JOIN roles r ON r.account = a.account AND r.name_key = a.owner_key WHERE a.policy_arn = ?
		UNION ALL
		SELECT 'user', u.account, u.name_key, u.name, u.user_id
			FROM user_attachments a JOIN users u ON u.account = a.account AND u.name_key = a.owner_key WHERE a.policy_arn = ?
		) e WHERE 1 = 1`)
	pg.where(&q, &args, "kind", "account", "name_key")
	pg.orderLimit(&q, &args, "kind", "account", "name_key")
	var out []store.PolicyEntity
	err = s.snapshot(ctx, func(db DB) error {
		if err := requirePolicy(ctx, db, arn); err != nil {
			return err
		}
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list policy entities", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e store.PolicyEntity
			var kind, key string
			if err := rows.Scan(&kind, &e.Account, &key, &e.Name, &e.ID); err != nil {
				return dbErr("list policy entities", err)
			}
			e.Kind = store.PrincipalKind(kind)
			out = append(out, e)
		}
		return dbErr("list policy entities", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(e store.PolicyEntity) []string { return []string{string(e.Kind), e.Account, fold(e.Name)} })
	return out, next, nil
}
