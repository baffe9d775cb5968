package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateAccount implements store.Store.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) error {
	if a.ID == "" {
		return invalid(store.EntityAccount, "", "empty account ID")
	}
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `INSERT INTO accounts (id, alias, create_date) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			a.ID, a.Alias, ts(a.CreateDate))
		if err != nil {
			return s.createErr("create account", store.EntityAccount, a.ID, err)
		}
		if n == 0 {
			return exists(store.EntityAccount, a.ID)
		}
		return nil
	})
}

const accountCols = `id, alias, create_date`

func scanAccount(r Row) (store.Account, error) {
	var a store.Account
	var created int64
	if err := r.Scan(&a.ID, &a.Alias, &created); err != nil {
		return store.Account{}, err
	}
	a.CreateDate = fromTS(created)
	return a, nil
}

func getAccount(ctx context.Context, db DB, id string) (store.Account, error) {
	a, err := scanAccount(db.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, ErrNoRows) {
		return store.Account{}, notFound(store.EntityAccount, id)
	}
	if err != nil {
		return store.Account{}, dbErr("get account", err)
	}
	return a, nil
}

// requireAccount returns ErrNotFound unless the account exists.
func requireAccount(ctx context.Context, db DB, id string) error {
	var one int64
	err := db.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return notFound(store.EntityAccount, id)
	}
	return dbErr("check account", err)
}

// missingOr explains an insert that wrote no row: the referenced parent
// (checked by parent) is missing, or else the key is taken.
func missingOr(parent func() error, e store.Entity, name string) error {
	if err := parent(); err != nil {
		return err
	}
	return exists(e, name)
}

// GetAccount implements store.Store.
func (s *Store) GetAccount(ctx context.Context, id string) (store.Account, error) {
	var a store.Account
	err := s.read(func(db DB) (err error) {
		a, err = getAccount(ctx, db, id)
		return err
	})
	return a, err
}

// ListAccounts implements store.Store.
func (s *Store) ListAccounts(ctx context.Context) ([]store.Account, error) {
	var out []store.Account
	err := s.read(func(db DB) error {
		rows, err := db.Query(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY id`)
		if err != nil {
			return dbErr("list accounts", err)
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				return dbErr("list accounts", err)
			}
			out = append(out, a)
		}
		return dbErr("list accounts", rows.Err())
	})
	return out, err
}

// UpdateAccount implements store.Store.
func (s *Store) UpdateAccount(ctx context.Context, id string, fn func(*store.Account) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getAccount(ctx, db, id)
		if err != nil {
			return err
		}
		a := old
		if err := fn(&a); err != nil {
			return err
		}
		if a.ID != old.ID || !a.CreateDate.Equal(old.CreateDate) {
			return invalid(store.EntityAccount, id, "only Alias may change")
		}
		_, err = db.Exec(ctx, `UPDATE accounts SET alias = ? WHERE id = ?`, a.Alias, id)
		return dbErr("update account", err)
	})
}

// DeleteAccount implements store.Store.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	return s.write(ctx, func(db DB) error {
		if err := requireAccount(ctx, db, id); err != nil {
			return err
		}
		var users, roles, keys, policies, providers, clusters int64
		err := db.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM users WHERE account = ?),
			(SELECT COUNT(*) FROM roles WHERE account = ?),
			(SELECT COUNT(*) FROM access_keys WHERE account = ?),
			(SELECT COUNT(*) FROM policies WHERE account = ?),
			(SELECT COUNT(*) FROM oidc_providers WHERE account = ?),
			(SELECT COUNT(*) FROM clusters WHERE account = ?)`,
			id, id, id, id, id, id).Scan(&users, &roles, &keys, &policies, &providers, &clusters)
		if err != nil {
			return dbErr("delete account", err)
		}
		var owned []string
		for _, c := range []struct {
			n    int64
			what string
		}{{users, "users"}, {roles, "roles"}, {keys, "access keys"}, {policies, "policies"}, {providers, "OIDC providers"}, {clusters, "clusters"}} {
			if c.n > 0 {
				owned = append(owned, c.what)
			}
		}
		if len(owned) > 0 {
			return conflict(store.EntityAccount, id, "the account still has "+strings.Join(owned, ", "))
		}
		if _, err := db.Exec(ctx, `DELETE FROM accounts WHERE id = ?`, id); err != nil {
			return s.deleteErr("delete account", store.EntityAccount, id, err)
		}
		return nil
	})
}
