package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateRole implements store.Store.
func (s *Store) CreateRole(ctx context.Context, r store.Role) error {
	if r.Account == "" || r.Name == "" || r.RoleID == "" {
		return invalid(store.EntityRole, r.Name, "account, name and role ID are required")
	}
	return s.write(ctx, func(db DB) error {
		var lu store.RoleLastUsed
		if r.LastUsed != nil {
			lu = *r.LastUsed
		}
		n, err := db.Exec(ctx, `INSERT INTO roles (account, name_key, name, path, role_id, create_date, trust_policy, description,
				max_session_duration, boundary_arn, tags, last_used_date, last_used_region)
			SELECT a.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM accounts a WHERE a.id = ? ON CONFLICT DO NOTHING`,
			fold(r.Name), r.Name, defaultPath(r.Path), r.RoleID, ts(r.CreateDate), r.TrustPolicy, r.Description,
			int64(r.MaxSessionDuration), r.PermissionsBoundaryARN, encodeTags(r.Tags), ts(lu.Date), lu.Region, r.Account)
		if err != nil {
			return s.createErr("create role", store.EntityRole, r.Name, err)
		}
		if n == 0 {
			return missingOr(func() error { return requireAccount(ctx, db, r.Account) }, store.EntityRole, r.Name)
		}
		return nil
	})
}

const roleCols = `account, name, path, role_id, create_date, trust_policy, description, max_session_duration, boundary_arn, tags, last_used_date, last_used_region`

func scanRole(r Row) (store.Role, error) {
	var role store.Role
	var created, maxSession, used int64
	var tags, region string
	if err := r.Scan(&role.Account, &role.Name, &role.Path, &role.RoleID, &created, &role.TrustPolicy, &role.Description,
		&maxSession, &role.PermissionsBoundaryARN, &tags, &used, &region); err != nil {
		return store.Role{}, err
	}
	role.CreateDate = fromTS(created)
	role.MaxSessionDuration = int32(maxSession)
	if used != 0 {
		role.LastUsed = &store.RoleLastUsed{Date: fromTS(used), Region: region}
	}
	var err error
	role.Tags, err = decodeTags(tags)
	return role, err
}

func getRole(ctx context.Context, db DB, account, name string) (store.Role, error) {
	r, err := scanRole(db.QueryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE account = ? AND name_key = ?`, account, fold(name)))
	if errors.Is(err, ErrNoRows) {
		return store.Role{}, notFound(store.EntityRole, name)
	}
	if err != nil {
		return store.Role{}, dbErr("get role", err)
	}
	return r, nil
}

// GetRole implements store.Store.
func (s *Store) GetRole(ctx context.Context, account, name string) (store.Role, error) {
	var r store.Role
	err := s.read(func(db DB) (err error) {
		r, err = getRole(ctx, db, account, name)
		return err
	})
	return r, err
}

// GetRoleByID implements store.Store.
func (s *Store) GetRoleByID(ctx context.Context, roleID string) (store.Role, error) {
	var r store.Role
	err := s.read(func(db DB) (err error) {
		r, err = scanRole(db.QueryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE role_id = ?`, roleID))
		if errors.Is(err, ErrNoRows) {
			return notFound(store.EntityRole, roleID)
		}
		return dbErr("get role", err)
	})
	return r, err
}

// ListRoles implements store.Store.
func (s *Store) ListRoles(ctx context.Context, account string, opts store.ListOptions) ([]store.Role, string, error) {
	pg, err := newPager(opts.Page, 1)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{account}
	q.WriteString(`SELECT ` + roleCols + ` FROM roles WHERE account = ?`)
	pathPrefix(&q, &args, "path", opts.PathPrefix)
	pg.where(&q, &args, "name_key")
	pg.orderLimit(&q, &args, "name_key")
	var out []store.Role
	err = s.read(func(db DB) error {
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list roles", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRole(rows)
			if err != nil {
				return dbErr("list roles", err)
			}
			out = append(out, r)
		}
		return dbErr("list roles", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(r store.Role) []string { return []string{fold(r.Name)} })
	return out, next, nil
}

// UpdateRole implements store.Store.
func (s *Store) UpdateRole(ctx context.Context, account, name string, fn func(*store.Role) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getRole(ctx, db, account, name)
		if err != nil {
			return err
		}
		r := old
		r.Tags = cloneTags(old.Tags)
		if old.LastUsed != nil {
			lu := *old.LastUsed
			r.LastUsed = &lu
		}
		if err := fn(&r); err != nil {
			return err
		}
		if r.Account != old.Account || r.Name != old.Name || r.Path != old.Path || r.RoleID != old.RoleID || !r.CreateDate.Equal(old.CreateDate) {
			return invalid(store.EntityRole, name, "Account, Name, Path, RoleID and CreateDate may not change")
		}
		_, err = db.Exec(ctx, `UPDATE roles SET trust_policy = ?, description = ?, max_session_duration = ?, boundary_arn = ?, tags = ?
			WHERE account = ? AND name_key = ?`,
			r.TrustPolicy, r.Description, int64(r.MaxSessionDuration), r.PermissionsBoundaryARN, encodeTags(r.Tags), account, fold(name))
		return dbErr("update role", err)
	})
}

// DeleteRole implements store.Store.
func (s *Store) DeleteRole(ctx context.Context, account, name string) error {
	return s.write(ctx, func(db DB) error {
		if _, err := getRole(ctx, db, account, name); err != nil {
			return err
		}
		key := fold(name)
		var inline, attached int64
		err := db.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM role_policies WHERE account = ? AND owner_key = ?),
			(SELECT COUNT(*) FROM role_attachments WHERE account = ? AND owner_key = ?)`,
			account, key, account, key).Scan(&inline, &attached)
		if err != nil {
			return dbErr("delete role", err)
		}
		if detail := dependents(inline, "inline policies", attached, "attached policies"); detail != "" {
			return conflict(store.EntityRole, name, detail)
		}
		if _, err := db.Exec(ctx, `DELETE FROM roles WHERE account = ? AND name_key = ?`, account, key); err != nil {
			return s.deleteErr("delete role", store.EntityRole, name, err)
		}
		return nil
	})
}

// RecordRoleUse implements store.Store.
func (s *Store) RecordRoleUse(ctx context.Context, account, name string, used store.RoleLastUsed) error {
	return s.light(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `UPDATE roles SET last_used_date = ?, last_used_region = ? WHERE account = ? AND name_key = ? AND last_used_date <= ?`,
			ts(used.Date), used.Region, account, fold(name), ts(used.Date))
		if err != nil {
			return dbErr("record role use", err)
		}
		if n > 0 {
			return nil
		}
		var one int64
		err = db.QueryRow(ctx, `SELECT 1 FROM roles WHERE account = ? AND name_key = ?`, account, fold(name)).Scan(&one)
		if errors.Is(err, ErrNoRows) {
			return notFound(store.EntityRole, name)
		}
		return dbErr("record role use", err)
	})
}
