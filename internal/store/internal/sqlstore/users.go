package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateUser implements store.Store.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Account == "" || u.Name == "" || u.UserID == "" {
		return invalid(store.EntityUser, u.Name, "account, name and user ID are required")
	}
	return s.write(ctx, func(db DB) error {
		// One statement on the common path: the SELECT writes nothing when
		// the account is missing, ON CONFLICT nothing when the name or ID is
		// taken.
		n, err := db.Exec(ctx, `INSERT INTO users (account, name_key, name, path, user_id, create_date, boundary_arn, tags)
			SELECT a.id, ?, ?, ?, ?, ?, ?, ? FROM accounts a WHERE a.id = ? ON CONFLICT DO NOTHING`,
			fold(u.Name), u.Name, defaultPath(u.Path), u.UserID, ts(u.CreateDate), u.PermissionsBoundaryARN, encodeTags(u.Tags), u.Account)
		if err != nil {
			return s.createErr("create user", store.EntityUser, u.Name, err)
		}
		if n == 0 {
			return missingOr(func() error { return requireAccount(ctx, db, u.Account) }, store.EntityUser, u.Name)
		}
		return nil
	})
}

const userCols = `account, name, path, user_id, create_date, boundary_arn, tags`

func scanUser(r Row) (store.User, error) {
	var u store.User
	var created int64
	var tags string
	if err := r.Scan(&u.Account, &u.Name, &u.Path, &u.UserID, &created, &u.PermissionsBoundaryARN, &tags); err != nil {
		return store.User{}, err
	}
	u.CreateDate = fromTS(created)
	var err error
	u.Tags, err = decodeTags(tags)
	return u, err
}

func getUser(ctx context.Context, db DB, account, name string) (store.User, error) {
	u, err := scanUser(db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE account = ? AND name_key = ?`, account, fold(name)))
	if errors.Is(err, ErrNoRows) {
		return store.User{}, notFound(store.EntityUser, name)
	}
	if err != nil {
		return store.User{}, dbErr("get user", err)
	}
	return u, nil
}

// GetUser implements store.Store.
func (s *Store) GetUser(ctx context.Context, account, name string) (store.User, error) {
	var u store.User
	err := s.read(func(db DB) (err error) {
		u, err = getUser(ctx, db, account, name)
		return err
	})
	return u, err
}

// GetUserByID implements store.Store.
func (s *Store) GetUserByID(ctx context.Context, userID string) (store.User, error) {
	var u store.User
	err := s.read(func(db DB) (err error) {
		u, err = scanUser(db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE user_id = ?`, userID))
		if errors.Is(err, ErrNoRows) {
			return notFound(store.EntityUser, userID)
		}
		return dbErr("get user", err)
	})
	return u, err
}

// ListUsers implements store.Store.
func (s *Store) ListUsers(ctx context.Context, account string, opts store.ListOptions) ([]store.User, string, error) {
	pg, err := newPager(opts.Page, 1)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{account}
	q.WriteString(`SELECT ` + userCols + ` FROM users WHERE account = ?`)
	pathPrefix(&q, &args, "path", opts.PathPrefix)
	pg.where(&q, &args, "name_key")
	pg.orderLimit(&q, &args, "name_key")
	var out []store.User
	err = s.read(func(db DB) error {
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list users", err)
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return dbErr("list users", err)
			}
			out = append(out, u)
		}
		return dbErr("list users", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(u store.User) []string { return []string{fold(u.Name)} })
	return out, next, nil
}

// UpdateUser implements store.Store.
func (s *Store) UpdateUser(ctx context.Context, account, name string, fn func(*store.User) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getUser(ctx, db, account, name)
		if err != nil {
			return err
		}
		u := old
		u.Tags = cloneTags(old.Tags)
		if err := fn(&u); err != nil {
			return err
		}
		if u.Account != old.Account || u.UserID != old.UserID || !u.CreateDate.Equal(old.CreateDate) || u.Name == "" {
			return invalid(store.EntityUser, name, "Account, UserID and CreateDate may not change and Name may not be empty")
		}
		oldKey, newKey := fold(old.Name), fold(u.Name)
		if newKey != oldKey {
			var one int64
			err := db.QueryRow(ctx, `SELECT 1 FROM users WHERE account = ? AND name_key = ?`, account, newKey).Scan(&one)
			if err == nil {
				return exists(store.EntityUser, u.Name)
			}
			if !errors.Is(err, ErrNoRows) {
				return dbErr("update user", err)
			}
		}
		// Renames reach access_keys, user_policies and user_attachments
		// through their ON UPDATE CASCADE foreign keys.
		_, err = db.Exec(ctx, `UPDATE users SET name_key = ?, name = ?, path = ?, boundary_arn = ?, tags = ? WHERE account = ? AND name_key = ?`,
			newKey, u.Name, defaultPath(u.Path), u.PermissionsBoundaryARN, encodeTags(u.Tags), account, oldKey)
		if err != nil {
			return s.createErr("update user", store.EntityUser, u.Name, err)
		}
		return nil
	})
}

// DeleteUser implements store.Store.
func (s *Store) DeleteUser(ctx context.Context, account, name string) error {
	return s.write(ctx, func(db DB) error {
		if _, err := getUser(ctx, db, account, name); err != nil {
			return err
		}
		key := fold(name)
		var keys, inline, attached int64
		err := db.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM access_keys WHERE account = ? AND user_key = ?),
			(SELECT COUNT(*) FROM user_policies WHERE account = ? AND owner_key = ?),
			(SELECT COUNT(*) FROM user_attachments WHERE account = ? AND owner_key = ?)`,
			account, key, account, key, account, key).Scan(&keys, &inline, &attached)
		if err != nil {
			return dbErr("delete user", err)
		}
		if detail := dependents(keys, "access keys", inline, "inline policies", attached, "attached policies"); detail != "" {
			return conflict(store.EntityUser, name, detail)
		}
		if _, err := db.Exec(ctx, `DELETE FROM users WHERE account = ? AND name_key = ?`, account, key); err != nil {
			return s.deleteErr("delete user", store.EntityUser, name, err)
		}
		return nil
	})
}

// dependents describes non-zero counts: pairs of count and noun.
func dependents(pairs ...any) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if n, _ := pairs[i].(int64); n > 0 {
			parts = append(parts, pairs[i+1].(string))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "it still has " + strings.Join(parts, ", ")
}
