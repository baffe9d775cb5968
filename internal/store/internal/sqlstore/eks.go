package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

func validRef(c store.ClusterRef) bool {
	return c.Account != "" && c.Region != "" && c.Name != ""
}

func requireCluster(ctx context.Context, db DB, c store.ClusterRef) error {
	var one int64
	err := db.QueryRow(ctx, `SELECT 1 FROM clusters WHERE account = ? AND region = ? AND name = ?`, c.Account, c.Region, c.Name).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return notFound(store.EntityCluster, c.Name)
	}
	return dbErr("check cluster", err)
}

func encodeAWSAuth(a *store.AWSAuth) string {
	if a == nil {
		return ""
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func decodeAWSAuth(s string) (*store.AWSAuth, error) {
	if s == "" {
		return nil, nil
	}
	var a store.AWSAuth
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, errors.New("store: decode stored aws-auth")
	}
	return &a, nil
}

// CreateCluster implements store.Store.
func (s *Store) CreateCluster(ctx context.Context, c store.Cluster) error {
	if !validRef(c.ClusterRef) {
		return invalid(store.EntityCluster, c.Name, "account, region and name are required")
	}
	return s.write(ctx, func(db DB) error {
		if err := requireAccount(ctx, db, c.Account); err != nil {
			return err
		}
		n, err := db.Exec(ctx, `INSERT INTO clusters (account, region, name, arn, create_date, oidc_issuer, oidc_issuer_ca, endpoint,
				certificate_authority, authentication_mode, status, version, tags, aws_auth)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			c.Account, c.Region, c.Name, c.ARN, ts(c.CreateDate), c.OIDCIssuer, c.OIDCIssuerCABundle, c.Endpoint,
			c.CertificateAuthority, c.AuthenticationMode, c.Status, c.Version, encodeTags(c.Tags), encodeAWSAuth(c.AWSAuth))
		if err != nil {
			return s.createErr("create cluster", store.EntityCluster, c.Name, err)
		}
		if n == 0 {
			return exists(store.EntityCluster, c.Name)
		}
		return nil
	})
}

const clusterCols = `account, region, name, arn, create_date, oidc_issuer, oidc_issuer_ca, endpoint, certificate_authority,
	authentication_mode, status, version, tags, aws_auth`

func scanCluster(r Row) (store.Cluster, error) {
	var c store.Cluster
	var created int64
	var tags, awsAuth string
	if err := r.Scan(&c.Account, &c.Region, &c.Name, &c.ARN, &created, &c.OIDCIssuer, &c.OIDCIssuerCABundle, &c.Endpoint,
		&c.CertificateAuthority, &c.AuthenticationMode, &c.Status, &c.Version, &tags, &awsAuth); err != nil {
		return store.Cluster{}, err
	}
	c.CreateDate = fromTS(created)
	var err error
	if c.Tags, err = decodeTags(tags); err != nil {
		return store.Cluster{}, err
	}
	c.AWSAuth, err = decodeAWSAuth(awsAuth)
	return c, err
}

func getCluster(ctx context.Context, db DB, ref store.ClusterRef) (store.Cluster, error) {
	c, err := scanCluster(db.QueryRow(ctx, `SELECT `+clusterCols+` FROM clusters WHERE account = ? AND region = ? AND name = ?`,
		ref.Account, ref.Region, ref.Name))
	if errors.Is(err, ErrNoRows) {
		return store.Cluster{}, notFound(store.EntityCluster, ref.Name)
	}
	if err != nil {
		return store.Cluster{}, dbErr("get cluster", err)
	}
	return c, nil
}

// GetCluster implements store.Store.
func (s *Store) GetCluster(ctx context.Context, ref store.ClusterRef) (store.Cluster, error) {
	var c store.Cluster
	err := s.read(func(db DB) (err error) {
		c, err = getCluster(ctx, db, ref)
		return err
	})
	return c, err
}

// ListClusters implements store.Store.
func (s *Store) ListClusters(ctx context.Context, account, region string, page store.Page) ([]store.Cluster, string, error) {
	pg, err := newPager(page, 1)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{account, region}
	q.WriteString(`SELECT ` + clusterCols + ` FROM clusters WHERE account = ? AND region = ?`)
	pg.where(&q, &args, "name")
	pg.orderLimit(&q, &args, "name")
	var out []store.Cluster
	err = s.read(func(db DB) error {
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list clusters", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCluster(rows)
			if err != nil {
				return dbErr("list clusters", err)
			}
			out = append(out, c)
		}
		return dbErr("list clusters", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(c store.Cluster) []string { return []string{c.Name} })
	return out, next, nil
}

// UpdateCluster implements store.Store.
func (s *Store) UpdateCluster(ctx context.Context, ref store.ClusterRef, fn func(*store.Cluster) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getCluster(ctx, db, ref)
		if err != nil {
			return err
		}
		c := old
		c.Tags = cloneTags(old.Tags)
		if old.AWSAuth != nil {
			a := *old.AWSAuth
			c.AWSAuth = &a
		}
		if err := fn(&c); err != nil {
			return err
		}
		if c.ClusterRef != old.ClusterRef || c.ARN != old.ARN || !c.CreateDate.Equal(old.CreateDate) {
			return invalid(store.EntityCluster, ref.Name, "Account, Region, Name, ARN and CreateDate may not change")
		}
		_, err = db.Exec(ctx, `UPDATE clusters SET oidc_issuer = ?, oidc_issuer_ca = ?, endpoint = ?, certificate_authority = ?,
				authentication_mode = ?, status = ?, version = ?, tags = ?, aws_auth = ?
			WHERE account = ? AND region = ? AND name = ?`,
			c.OIDCIssuer, c.OIDCIssuerCABundle, c.Endpoint, c.CertificateAuthority, c.AuthenticationMode, c.Status, c.Version,
			encodeTags(c.Tags), encodeAWSAuth(c.AWSAuth), ref.Account, ref.Region, ref.Name)
		return dbErr("update cluster", err)
	})
}

// DeleteCluster implements store.Store.
func (s *Store) DeleteCluster(ctx context.Context, ref store.ClusterRef) error {
	return s.write(ctx, func(db DB) error {
		if err := requireCluster(ctx, db, ref); err != nil {
			return err
		}
		// Explicit deletes rather than relying on ON DELETE CASCADE alone,
		// so the order is the same on every database.
		for _, t := range []string{"access_policy_associations", "access_entries", "pod_identity_associations", "clusters"} {
			col := "cluster"
			if t == "clusters" {
				col = "name"
			}
			if _, err := db.Exec(ctx, `DELETE FROM `+t+` WHERE account = ? AND region = ? AND `+col+` = ?`, ref.Account, ref.Region, ref.Name); err != nil {
				return s.deleteErr("delete cluster", store.EntityCluster, ref.Name, err)
			}
		}
		return nil
	})
}

// Access entries.

const entryCols = `account, region, cluster, principal_arn, kubernetes_groups, username, type, created_at, modified_at, tags, arn`

func scanEntry(r Row) (store.AccessEntry, error) {
	var e store.AccessEntry
	var groups, tags string
	var created, modified int64
	if err := r.Scan(&e.Cluster.Account, &e.Cluster.Region, &e.Cluster.Name, &e.PrincipalARN, &groups, &e.Username, &e.Type,
		&created, &modified, &tags, &e.AccessEntryARN); err != nil {
		return store.AccessEntry{}, err
	}
	e.CreatedAt, e.ModifiedAt = fromTS(created), fromTS(modified)
	var err error
	if e.KubernetesGroups, err = decodeList(groups); err != nil {
		return store.AccessEntry{}, err
	}
	e.Tags, err = decodeTags(tags)
	return e, err
}

func getEntry(ctx context.Context, db DB, c store.ClusterRef, principal string) (store.AccessEntry, error) {
	e, err := scanEntry(db.QueryRow(ctx, `SELECT `+entryCols+` FROM access_entries WHERE account = ? AND region = ? AND cluster = ? AND principal_arn = ?`,
		c.Account, c.Region, c.Name, principal))
	if errors.Is(err, ErrNoRows) {
		if err := requireCluster(ctx, db, c); err != nil {
			return store.AccessEntry{}, err
		}
		return store.AccessEntry{}, notFound(store.EntityAccessEntry, principal)
	}
	if err != nil {
		return store.AccessEntry{}, dbErr("get access entry", err)
	}
	return e, nil
}

// CreateAccessEntry implements store.Store.
func (s *Store) CreateAccessEntry(ctx context.Context, e store.AccessEntry) error {
	if !validRef(e.Cluster) || e.PrincipalARN == "" {
		return invalid(store.EntityAccessEntry, e.PrincipalARN, "cluster and principal ARN are required")
	}
	c := e.Cluster
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `INSERT INTO access_entries (`+entryCols+`)
			SELECT c.account, c.region, c.name, ?, ?, ?, ?, ?, ?, ?, ? FROM clusters c WHERE c.account = ? AND c.region = ? AND c.name = ?
			ON CONFLICT DO NOTHING`,
			e.PrincipalARN, encodeList(e.KubernetesGroups), e.Username, e.Type,
			ts(e.CreatedAt), ts(e.ModifiedAt), encodeTags(e.Tags), e.AccessEntryARN, c.Account, c.Region, c.Name)
		if err != nil {
			return s.createErr("create access entry", store.EntityAccessEntry, e.PrincipalARN, err)
		}
		if n == 0 {
			return missingOr(func() error { return requireCluster(ctx, db, c) }, store.EntityAccessEntry, e.PrincipalARN)
		}
		return nil
	})
}

// GetAccessEntry implements store.Store.
func (s *Store) GetAccessEntry(ctx context.Context, c store.ClusterRef, principal string) (store.AccessEntry, error) {
	var e store.AccessEntry
	err := s.read(func(db DB) (err error) {
		e, err = getEntry(ctx, db, c, principal)
		return err
	})
	return e, err
}

// ListAccessEntries implements store.Store.
func (s *Store) ListAccessEntries(ctx context.Context, c store.ClusterRef, page store.Page) ([]store.AccessEntry, string, error) {
	pg, err := newPager(page, 1)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{c.Account, c.Region, c.Name}
	q.WriteString(`SELECT ` + entryCols + ` FROM access_entries WHERE account = ? AND region = ? AND cluster = ?`)
	pg.where(&q, &args, "principal_arn")
	pg.orderLimit(&q, &args, "principal_arn")
	var out []store.AccessEntry
	err = s.snapshot(ctx, func(db DB) error {
		if err := requireCluster(ctx, db, c); err != nil {
			return err
		}
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list access entries", err)
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return dbErr("list access entries", err)
			}
			out = append(out, e)
		}
		return dbErr("list access entries", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(e store.AccessEntry) []string { return []string{e.PrincipalARN} })
	return out, next, nil
}

// UpdateAccessEntry implements store.Store.
func (s *Store) UpdateAccessEntry(ctx context.Context, c store.ClusterRef, principal string, fn func(*store.AccessEntry) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := getEntry(ctx, db, c, principal)
		if err != nil {
			return err
		}
		e := old
		e.KubernetesGroups, e.Tags = cloneList(old.KubernetesGroups), cloneTags(old.Tags)
		if err := fn(&e); err != nil {
			return err
		}
		if e.Cluster != old.Cluster || e.PrincipalARN != old.PrincipalARN || e.AccessEntryARN != old.AccessEntryARN || !e.CreatedAt.Equal(old.CreatedAt) {
			return invalid(store.EntityAccessEntry, principal, "Cluster, PrincipalARN, AccessEntryARN and CreatedAt may not change")
		}
		_, err = db.Exec(ctx, `UPDATE access_entries SET kubernetes_groups = ?, username = ?, type = ?, modified_at = ?, tags = ?
			WHERE account = ? AND region = ? AND cluster = ? AND principal_arn = ?`,
			encodeList(e.KubernetesGroups), e.Username, e.Type, ts(e.ModifiedAt), encodeTags(e.Tags), c.Account, c.Region, c.Name, principal)
		return dbErr("update access entry", err)
	})
}

// DeleteAccessEntry implements store.Store.
func (s *Store) DeleteAccessEntry(ctx context.Context, c store.ClusterRef, principal string) error {
	return s.write(ctx, func(db DB) error {
		if _, err := getEntry(ctx, db, c, principal); err != nil {
			return err
		}
		args := []any{c.Account, c.Region, c.Name, principal}
		if _, err := db.Exec(ctx, `DELETE FROM access_policy_associations WHERE account = ? AND region = ? AND cluster = ? AND principal_arn = ?`, args...); err != nil {
			return dbErr("delete access entry", err)
		}
		if _, err := db.Exec(ctx, `DELETE FROM access_entries WHERE account = ? AND region = ? AND cluster = ? AND principal_arn = ?`, args...); err != nil {
			return s.deleteErr("delete access entry", store.EntityAccessEntry, principal, err)
		}
		return nil
	})
}

// AssociateAccessPolicy implements store.Store.
func (s *Store) AssociateAccessPolicy(ctx context.Context, c store.ClusterRef, principal string, a store.AccessPolicyAssociation) error {
	if a.PolicyARN == "" {
		return invalid(store.EntityAccessPolicyAssociation, "", "policy ARN is required")
	}
	return s.write(ctx, func(db DB) error {
		if _, err := getEntry(ctx, db, c, principal); err != nil {
			return err
		}
		_, err := db.Exec(ctx, `INSERT INTO access_policy_associations (account, region, cluster, principal_arn, policy_arn, scope_type, scope_namespaces, associated_at, modified_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account, region, cluster, principal_arn, policy_arn) DO UPDATE SET
				scope_type = excluded.scope_type, scope_namespaces = excluded.scope_namespaces, modified_at = excluded.modified_at`,
			c.Account, c.Region, c.Name, principal, a.PolicyARN, a.AccessScope.Type, encodeList(a.AccessScope.Namespaces),
			ts(a.AssociatedAt), ts(a.ModifiedAt))
		if err != nil {
			return s.createErr("associate access policy", store.EntityAccessPolicyAssociation, a.PolicyARN, err)
		}
		return nil
	})
}

// ListAccessPolicyAssociations implements store.Store.
func (s *Store) ListAccessPolicyAssociations(ctx context.Context, c store.ClusterRef, principal string) ([]store.AccessPolicyAssociation, error) {
	var out []store.AccessPolicyAssociation
	err := s.snapshot(ctx, func(db DB) error {
		if _, err := getEntry(ctx, db, c, principal); err != nil {
			return err
		}
		rows, err := db.Query(ctx, `SELECT policy_arn, scope_type, scope_namespaces, associated_at, modified_at FROM access_policy_associations
			WHERE account = ? AND region = ? AND cluster = ? AND principal_arn = ? ORDER BY policy_arn`, c.Account, c.Region, c.Name, principal)
		if err != nil {
			return dbErr("list access policy associations", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a store.AccessPolicyAssociation
			var ns string
			var assoc, mod int64
			if err := rows.Scan(&a.PolicyARN, &a.AccessScope.Type, &ns, &assoc, &mod); err != nil {
				return dbErr("list access policy associations", err)
			}
			if a.AccessScope.Namespaces, err = decodeList(ns); err != nil {
				return err
			}
			a.AssociatedAt, a.ModifiedAt = fromTS(assoc), fromTS(mod)
			out = append(out, a)
		}
		return dbErr("list access policy associations", rows.Err())
	})
	return out, err
}

// DisassociateAccessPolicy implements store.Store.
func (s *Store) DisassociateAccessPolicy(ctx context.Context, c store.ClusterRef, principal, policyARN string) error {
	return s.write(ctx, func(db DB) error {
		if _, err := getEntry(ctx, db, c, principal); err != nil {
			return err
		}
		n, err := db.Exec(ctx, `DELETE FROM access_policy_associations WHERE account = ? AND region = ? AND cluster = ? AND principal_arn = ? AND policy_arn = ?`,
			c.Account, c.Region, c.Name, principal, policyARN)
		if err != nil {
			return dbErr("disassociate access policy", err)
		}
		if n == 0 {
			return notFound(store.EntityAccessPolicyAssociation, policyARN)
		}
		return nil
	})
}

// Pod identity associations.

const podCols = `account, region, cluster, association_id, namespace, service_account, role_arn, target_role_arn,
	disable_session_tags, arn, tags, created_at, modified_at`

func scanPod(r Row) (store.PodIdentityAssociation, error) {
	var a store.PodIdentityAssociation
	var disable, created, modified int64
	var tags string
	if err := r.Scan(&a.Cluster.Account, &a.Cluster.Region, &a.Cluster.Name, &a.AssociationID, &a.Namespace, &a.ServiceAccount,
		&a.RoleARN, &a.TargetRoleARN, &disable, &a.AssociationARN, &tags, &created, &modified); err != nil {
		return store.PodIdentityAssociation{}, err
	}
	a.DisableSessionTags = disable != 0
	a.CreatedAt, a.ModifiedAt = fromTS(created), fromTS(modified)
	var err error
	a.Tags, err = decodeTags(tags)
	return a, err
}

// queryPod reads one association; on no row it distinguishes a missing
// cluster from a missing association.
func queryPod(ctx context.Context, db DB, c store.ClusterRef, name, where string, args ...any) (store.PodIdentityAssociation, error) {
	a, err := scanPod(db.QueryRow(ctx, `SELECT `+podCols+` FROM pod_identity_associations WHERE account = ? AND region = ? AND cluster = ? AND `+where,
		append([]any{c.Account, c.Region, c.Name}, args...)...))
	if errors.Is(err, ErrNoRows) {
		if err := requireCluster(ctx, db, c); err != nil {
			return store.PodIdentityAssociation{}, err
		}
		return store.PodIdentityAssociation{}, notFound(store.EntityPodIdentityAssociation, name)
	}
	if err != nil {
		return store.PodIdentityAssociation{}, dbErr("get pod identity association", err)
	}
	return a, nil
}

// CreatePodIdentityAssociation implements store.Store.
func (s *Store) CreatePodIdentityAssociation(ctx context.Context, a store.PodIdentityAssociation) error {
	if !validRef(a.Cluster) || a.AssociationID == "" || a.Namespace == "" || a.ServiceAccount == "" {
		return invalid(store.EntityPodIdentityAssociation, a.AssociationID, "cluster, association ID, namespace and service account are required")
	}
	c := a.Cluster
	name := a.Namespace + "/" + a.ServiceAccount
	return s.write(ctx, func(db DB) error {
		n, err := db.Exec(ctx, `INSERT INTO pod_identity_associations (`+podCols+`)
			SELECT c.account, c.region, c.name, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM clusters c WHERE c.account = ? AND c.region = ? AND c.name = ?
			ON CONFLICT DO NOTHING`,
			a.AssociationID, a.Namespace, a.ServiceAccount, a.RoleARN, a.TargetRoleARN,
			b2i(a.DisableSessionTags), a.AssociationARN, encodeTags(a.Tags), ts(a.CreatedAt), ts(a.ModifiedAt), c.Account, c.Region, c.Name)
		if err != nil {
			return s.createErr("create pod identity association", store.EntityPodIdentityAssociation, name, err)
		}
		if n == 0 {
			return missingOr(func() error { return requireCluster(ctx, db, c) }, store.EntityPodIdentityAssociation, name)
		}
		return nil
	})
}

// GetPodIdentityAssociation implements store.Store.
func (s *Store) GetPodIdentityAssociation(ctx context.Context, c store.ClusterRef, id string) (store.PodIdentityAssociation, error) {
	var a store.PodIdentityAssociation
	err := s.read(func(db DB) (err error) {
		a, err = queryPod(ctx, db, c, id, `association_id = ?`, id)
		return err
	})
	return a, err
}

// FindPodIdentityAssociation implements store.Store. The common case (found)
// is one indexed read without a transaction.
func (s *Store) FindPodIdentityAssociation(ctx context.Context, c store.ClusterRef, namespace, serviceAccount string) (store.PodIdentityAssociation, error) {
	var a store.PodIdentityAssociation
	err := s.read(func(db DB) (err error) {
		a, err = queryPod(ctx, db, c, namespace+"/"+serviceAccount, `namespace = ? AND service_account = ?`, namespace, serviceAccount)
		return err
	})
	return a, err
}

// ListPodIdentityAssociations implements store.Store.
func (s *Store) ListPodIdentityAssociations(ctx context.Context, c store.ClusterRef, opts store.PodIdentityListOptions) ([]store.PodIdentityAssociation, string, error) {
	pg, err := newPager(opts.Page, 2)
	if err != nil {
		return nil, "", err
	}
	var q strings.Builder
	args := []any{c.Account, c.Region, c.Name}
	q.WriteString(`SELECT ` + podCols + ` FROM pod_identity_associations WHERE account = ? AND region = ? AND cluster = ?`)
	if opts.Namespace != "" {
		q.WriteString(` AND namespace = ?`)
		args = append(args, opts.Namespace)
	}
	if opts.ServiceAccount != "" {
		q.WriteString(` AND service_account = ?`)
		args = append(args, opts.ServiceAccount)
	}
	pg.where(&q, &args, "namespace", "service_account")
	pg.orderLimit(&q, &args, "namespace", "service_account")
	var out []store.PodIdentityAssociation
	err = s.snapshot(ctx, func(db DB) error {
		if err := requireCluster(ctx, db, c); err != nil {
			return err
		}
		rows, err := db.Query(ctx, q.String(), args...)
		if err != nil {
			return dbErr("list pod identity associations", err)
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanPod(rows)
			if err != nil {
				return dbErr("list pod identity associations", err)
			}
			out = append(out, a)
		}
		return dbErr("list pod identity associations", rows.Err())
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(pg, out, func(a store.PodIdentityAssociation) []string { return []string{a.Namespace, a.ServiceAccount} })
	return out, next, nil
}

// UpdatePodIdentityAssociation implements store.Store.
func (s *Store) UpdatePodIdentityAssociation(ctx context.Context, c store.ClusterRef, id string, fn func(*store.PodIdentityAssociation) error) error {
	return s.write(ctx, func(db DB) error {
		old, err := queryPod(ctx, db, c, id, `association_id = ?`, id)
		if err != nil {
			return err
		}
		a := old
		a.Tags = cloneTags(old.Tags)
		if err := fn(&a); err != nil {
			return err
		}
		if a.Cluster != old.Cluster || a.AssociationID != old.AssociationID || a.Namespace != old.Namespace ||
			a.ServiceAccount != old.ServiceAccount || a.AssociationARN != old.AssociationARN || !a.CreatedAt.Equal(old.CreatedAt) {
			return invalid(store.EntityPodIdentityAssociation, id, "only RoleARN, TargetRoleARN, DisableSessionTags, Tags and ModifiedAt may change")
		}
		_, err = db.Exec(ctx, `UPDATE pod_identity_associations SET role_arn = ?, target_role_arn = ?, disable_session_tags = ?, tags = ?, modified_at = ?
			WHERE account = ? AND region = ? AND cluster = ? AND association_id = ?`,
			a.RoleARN, a.TargetRoleARN, b2i(a.DisableSessionTags), encodeTags(a.Tags), ts(a.ModifiedAt), c.Account, c.Region, c.Name, id)
		return dbErr("update pod identity association", err)
	})
}

// DeletePodIdentityAssociation implements store.Store.
func (s *Store) DeletePodIdentityAssociation(ctx context.Context, c store.ClusterRef, id string) error {
	return s.write(ctx, func(db DB) error {
		if _, err := queryPod(ctx, db, c, id, `association_id = ?`, id); err != nil {
			return err
		}
		_, err := db.Exec(ctx, `DELETE FROM pod_identity_associations WHERE account = ? AND region = ? AND cluster = ? AND association_id = ?`,
			c.Account, c.Region, c.Name, id)
		return dbErr("delete pod identity association", err)
	})
}
