package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// requireUser returns ErrNotFound unless the user exists.
func requireUser(ctx context.Context, db DB, account, name string) error {
	var one int64
	err := db.QueryRow(ctx, `SELECT 1 FROM users WHERE account = ? AND name_key = ?`, account, fold(name)).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return notFound(store.EntityUser, name)
	}
	return dbErr("check user", err)
}

// CreateAccessKey implements store.Store.
func (s *Store) CreateAccessKey(ctx context.Context, k store.AccessKey) error {
	if k.AccessKeyID == "" || k.Account == "" {
		return invalid(store.EntityAccessKey, k.AccessKeyID, "access key ID and account are required")
	}
	status := k.Status
	if status == "" {
		status = store.StatusActive
	}
	if status != store.StatusActive && status != store.StatusInactive {
		return invalid(store.EntityAccessKey, k.AccessKeyID, "status must be Active or Inactive")
	}
	var lu store.AccessKeyLastUsed
	if k.LastUsed != nil {
		lu = *k.LastUsed
	}
	secret := k.SecretCiphertext
	if secret == nil {
		secret = []byte{}
	}
	return s.write(ctx, func(db DB) error {
		var n int64
		var err error
		if k.UserName == "" {
			n, err = db.Exec(ctx, `INSERT INTO access_keys (access_key_id, account, user_key, secret, status, create_date, last_used_date, last_used_service, last_used_region)
				SELECT ?, a.id, NULL, ?, ?, ?, ?, ?, ? FROM accounts a WHERE a.id = ? ON CONFLICT DO NOTHING`,
				k.AccessKeyID, secret, status, ts(k.CreateDate), ts(lu.Date), lu.ServiceName, lu.Region, k.Account)
		} else {
			n, err = db.Exec(ctx, `INSERT INTO access_keys (access_key_id, account, user_key, secret, status, create_date, last_used_date, last_used_service, last_used_region)
				SELECT ?, u.account, u.name_key, ?, ?, ?, ?, ?, ? FROM users u WHERE u.account = ? AND u.name_key = ? ON CONFLICT DO NOTHING`,
				k.AccessKeyID, secret, status, ts(k.CreateDate), ts(lu.Date), lu.ServiceName, lu.Region, k.Account, fold(k.UserName))
		}
		if err != nil {
			return s.createErr("create access key", store.EntityAccessKey, k.AccessKeyID, err)
		}
		if n == 0 {
			return missingOr(func() error {
				if err := requireAccount(ctx, db, k.Account); err != nil || k.UserName == "" {
					return err
				}
				return requireUser(ctx, db, k.Account, k.UserName)
			}, store.EntityAccessKey, k.AccessKeyID)
		}
		return nil
	})
}

const accessKeyQuery = `SELECT k.access_key_id, k.account, u.name, k.secret, k.status, k.create_date, k.last_used_date, k.last_used_service, k.last_used_region
	FROM access_keys k LEFT JOIN users u ON u.account = k.account AND u.name_key = k.user_key`

func scanAccessKey(r Row) (store.AccessKey, error) {
	var k store.AccessKey
	var user sql.NullString
	var created, used int64
	var lu store.AccessKeyLastUsed
	if err := r.Scan(&k.AccessKeyID, &k.Account, &user, &k.SecretCiphertext, &k.Status, &created, &used, &lu.ServiceName, &lu.Region); err != nil {
		return store.AccessKey{}, err
	}
	k.UserName = user.String
	k.CreateDate = fromTS(created)
	if used != 0 {
		lu.Date = fromTS(used)
		k.LastUsed = &lu
	}
	if len(k.SecretCiphertext) == 0 {
		k.SecretCiphertext = nil
	}
	return k, nil
}

func getAccessKey(ctx context.Context, db DB, id string) (store.AccessKey, error) {
	k, err := scanAccessKey(db.QueryRow(ctx, accessKeyQuery+` WHERE k.access_key_id = ?`, id))
	if errors.Is(err, ErrNoRows) {
		return store.AccessKey{}, notFound(store.EntityAccessKey, id)
	}
	if err != nil {
		return store.AccessKey{}, dbErr("get access key", err)
	}
	return k, nil
}

// GetAccessKey implements store.Store.
func (s *Store) GetAccessKey(ctx context.Context, accessKeyID string) (store.AccessKey, error) {
	var k store.AccessKey
	err := s.read(func(db DB) (err error) {
		k, err = getAccessKey(ctx, db, accessKeyID)
		return err
	})
	return k, err
}

// ListAccessKeys implements store.Store.
func (s *Store) ListAccessKeys(ctx context.Context, account, userName string) ([]store.AccessKey, error) {
	var out []store.AccessKey
	err := s.snapshot(ctx, func(db DB) error {
		q := accessKeyQuery + ` WHERE k.account = ? AND k.user_key IS NULL ORDER BY k.create_date, k.access_key_id`
		args := []any{account}
		if userName != "" {
			if err := requireUser(ctx, db, account, userName); err != nil {
				return err
			}
			q = accessKeyQuery + ` WHERE k.account = ? AND k.user_key = ? ORDER BY k.create_date, k.access_key_id`
			args = append(args, fold(userName))
		}
		rows, err := db.Query(ctx, q, args...)
		if err != nil {
			return dbErr("list access keys", err)
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanAccessKey(rows)
			if err != nil {
				return dbErr("list access keys", err)
			}
			out = append(out, k)
		}
		return dbErr("list access keys", rows.Err())
	})
	return out, err
}

// UpdateAccessKey implements store.Store.
func (s *Store) UpdateAccessKey(ctx context.Context, accessKeyID string, fn func(*store.AccessKey) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getAccessKey(ctx, db, accessKeyID)
		if err != nil {
			return err
		}
		k := old
		k.SecretCiphertext = bytes.Clone(old.SecretCiphertext)
		if old.LastUsed != nil {
			lu := *old.LastUsed
			k.LastUsed = &lu
		}
		if err := fn(&k); err != nil {
			return err
		}
		if k.AccessKeyID != old.AccessKeyID || k.Account != old.Account || k.UserName != old.UserName ||
			!bytes.Equal(k.SecretCiphertext, old.SecretCiphertext) || !k.CreateDate.Equal(old.CreateDate) {
			return invalid(store.EntityAccessKey, accessKeyID, "only Status may change")
		}
		if k.Status != store.StatusActive && k.Status != store.StatusInactive {
			return invalid(store.EntityAccessKey, accessKeyID, "status must be Active or Inactive")
		}
		_, err = db.Exec(ctx, `UPDATE access_keys SET status = ? WHERE access_key_id = ?`, k.Status, accessKeyID)
		return dbErr("update access key", err)
	})
}

// DeleteAccessKey implements store.Store.
func (s *Store) DeleteAccessKey(ctx context.Context, accessKeyID string) error {
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `DELETE FROM access_keys WHERE access_key_id = ?`, accessKeyID)
		if err != nil {
			return dbErr("delete access key", err)
		}
		if n == 0 {
			return notFound(store.EntityAccessKey, accessKeyID)
		}
		return nil
	})
}

// RecordAccessKeyUse implements store.Store.
func (s *Store) RecordAccessKeyUse(ctx context.Context, accessKeyID string, used store.AccessKeyLastUsed) error {
	return s.light(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `UPDATE access_keys SET last_used_date = ?, last_used_service = ?, last_used_region = ?
			WHERE access_key_id = ? AND last_used_date <= ?`,
			ts(used.Date), used.ServiceName, used.Region, accessKeyID, ts(used.Date))
		if err != nil {
			return dbErr("record access key use", err)
		}
		if n > 0 {
			return nil
		}
		var one int64
		err = db.QueryRow(ctx, `SELECT 1 FROM access_keys WHERE access_key_id = ?`, accessKeyID).Scan(&one)
		if errors.Is(err, ErrNoRows) {
			return notFound(store.EntityAccessKey, accessKeyID)
		}
		return dbErr("record access key use", err)
	})
}
