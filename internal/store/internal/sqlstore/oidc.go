package sqlstore

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateOIDCProvider implements store.Store.
func (s *Store) CreateOIDCProvider(ctx context.Context, p store.OIDCProvider) error {
	if p.Account == "" || p.URL == "" {
		return invalid(store.EntityOIDCProvider, p.URL, "account and URL are required")
	}
	return s.write(ctx, func(db DB) error {
		if err := requireAccount(ctx, db, p.Account); err != nil {
			return err
		}
		n, err := db.Exec(ctx, `INSERT INTO oidc_providers (account, url, client_ids, thumbprints, tags, create_date, ca_bundle)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			p.Account, p.URL, encodeList(p.ClientIDs), encodeList(p.Thumbprints), encodeTags(p.Tags), ts(p.CreateDate), p.CABundle)
		if err != nil {
			return s.createErr("create OIDC provider", store.EntityOIDCProvider, p.URL, err)
		}
		if n == 0 {
			return exists(store.EntityOIDCProvider, p.URL)
		}
		return nil
	})
}

const oidcCols = `account, url, client_ids, thumbprints, tags, create_date, ca_bundle`

func scanOIDC(r Row) (store.OIDCProvider, error) {
	var p store.OIDCProvider
	var clients, thumbs, tags string
	var created int64
	if err := r.Scan(&p.Account, &p.URL, &clients, &thumbs, &tags, &created, &p.CABundle); err != nil {
		return store.OIDCProvider{}, err
	}
	p.CreateDate = fromTS(created)
	var err error
	if p.ClientIDs, err = decodeList(clients); err != nil {
		return store.OIDCProvider{}, err
	}
	if p.Thumbprints, err = decodeList(thumbs); err != nil {
		return store.OIDCProvider{}, err
	}
	p.Tags, err = decodeTags(tags)
	return p, err
}

func getOIDC(ctx context.Context, db DB, account, url string) (store.OIDCProvider, error) {
	p, err := scanOIDC(db.QueryRow(ctx, `SELECT `+oidcCols+` FROM oidc_providers WHERE account = ? AND url = ?`, account, url))
	if errors.Is(err, ErrNoRows) {
		return store.OIDCProvider{}, notFound(store.EntityOIDCProvider, url)
	}
	if err != nil {
		return store.OIDCProvider{}, dbErr("get OIDC provider", err)
	}
	return p, nil
}

// GetOIDCProvider implements store.Store.
func (s *Store) GetOIDCProvider(ctx context.Context, account, url string) (store.OIDCProvider, error) {
	var p store.OIDCProvider
	err := s.read(func(db DB) (err error) {
		p, err = getOIDC(ctx, db, account, url)
		return err
	})
	return p, err
}

// ListOIDCProviders implements store.Store.
func (s *Store) ListOIDCProviders(ctx context.Context, account string) ([]store.OIDCProvider, error) {
	var out []store.OIDCProvider
	err := s.read(func(db DB) error {
		rows, err := db.Query(ctx, `SELECT `+oidcCols+` FROM oidc_providers WHERE account = ? ORDER BY url`, account)
		if err != nil {
			return dbErr("list OIDC providers", err)
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanOIDC(rows)
			if err != nil {
				return dbErr("list OIDC providers", err)
			}
			out = append(out, p)
		}
		return dbErr("list OIDC providers", rows.Err())
	})
	return out, err
}

// UpdateOIDCProvider implements store.Store.
func (s *Store) UpdateOIDCProvider(ctx context.Context, account, url string, fn func(*store.OIDCProvider) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getOIDC(ctx, db, account, url)
		if err != nil {
			return err
		}
		p := old
		p.ClientIDs, p.Thumbprints, p.Tags = cloneList(old.ClientIDs), cloneList(old.Thumbprints), cloneTags(old.Tags)
		if err := fn(&p); err != nil {
			return err
		}
		if p.Account != old.Account || p.URL != old.URL || !p.CreateDate.Equal(old.CreateDate) {
			return invalid(store.EntityOIDCProvider, url, "Account, URL and CreateDate may not change")
		}
		_, err = db.Exec(ctx, `UPDATE oidc_providers SET client_ids = ?, thumbprints = ?, tags = ?, ca_bundle = ? WHERE account = ? AND url = ?`,
			encodeList(p.ClientIDs), encodeList(p.Thumbprints), encodeTags(p.Tags), p.CABundle, account, url)
		return dbErr("update OIDC provider", err)
	})
}

// DeleteOIDCProvider implements store.Store.
func (s *Store) DeleteOIDCProvider(ctx context.Context, account, url string) error {
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `DELETE FROM oidc_providers WHERE account = ? AND url = ?`, account, url)
		if err != nil {
			return dbErr("delete OIDC provider", err)
		}
		if n == 0 {
			return notFound(store.EntityOIDCProvider, url)
		}
		return nil
	})
}
