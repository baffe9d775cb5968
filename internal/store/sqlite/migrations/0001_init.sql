-- trustbridge store schema, version 1 (SQLite).
--
-- Conventions (shared with the PostgreSQL schema, which must stay
-- equivalent): times are Unix nanoseconds with 0 meaning absent; tags and
-- string lists are JSON text; booleans are 0/1 integers; name_key columns
-- hold the ASCII-lowercased name and carry case-insensitive uniqueness;
-- children refer to users and roles by (account, name_key) with ON UPDATE
-- CASCADE so that renaming a user carries over.

-- store_revision has exactly one row; every revision-bumping write
-- transaction increments it first.
CREATE TABLE store_revision (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	value INTEGER NOT NULL
);
INSERT INTO store_revision (id, value) VALUES (1, 0);

CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	alias TEXT NOT NULL,
	create_date INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
	account TEXT NOT NULL REFERENCES accounts (id),
	name_key TEXT NOT NULL,
	name TEXT NOT NULL,
	path TEXT NOT NULL,
	user_id TEXT NOT NULL UNIQUE,
	create_date INTEGER NOT NULL,
	boundary_arn TEXT NOT NULL,
	tags TEXT NOT NULL,
	PRIMARY KEY (account, name_key)
);
CREATE INDEX users_boundary ON users (boundary_arn) WHERE boundary_arn <> '';

CREATE TABLE access_keys (
	access_key_id TEXT PRIMARY KEY,
	account TEXT NOT NULL REFERENCES accounts (id),
	user_key TEXT, -- NULL for the account root's keys
	secret BLOB NOT NULL,
	status TEXT NOT NULL,
	create_date INTEGER NOT NULL,
	last_used_date INTEGER NOT NULL,
	last_used_service TEXT NOT NULL,
	last_used_region TEXT NOT NULL,
	FOREIGN KEY (account, user_key) REFERENCES users (account, name_key) ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX access_keys_user ON access_keys (account, user_key);

CREATE TABLE roles (
	account TEXT NOT NULL REFERENCES accounts (id),
	name_key TEXT NOT NULL,
	name TEXT NOT NULL,
	path TEXT NOT NULL,
	role_id TEXT NOT NULL UNIQUE,
	create_date INTEGER NOT NULL,
	trust_policy TEXT NOT NULL,
	description TEXT NOT NULL,
	max_session_duration INTEGER NOT NULL,
	boundary_arn TEXT NOT NULL,
	tags TEXT NOT NULL,
	last_used_date INTEGER NOT NULL,
	last_used_region TEXT NOT NULL,
	PRIMARY KEY (account, name_key)
);
CREATE INDEX roles_boundary ON roles (boundary_arn) WHERE boundary_arn <> '';

CREATE TABLE user_policies (
	account TEXT NOT NULL,
	owner_key TEXT NOT NULL,
	name_key TEXT NOT NULL,
	name TEXT NOT NULL,
	document TEXT NOT NULL,
	PRIMARY KEY (account, owner_key, name_key),
	FOREIGN KEY (account, owner_key) REFERENCES users (account, name_key) ON UPDATE CASCADE
);

CREATE TABLE role_policies (
	account TEXT NOT NULL,
	owner_key TEXT NOT NULL,
	name_key TEXT NOT NULL,
	name TEXT NOT NULL,
	document TEXT NOT NULL,
	PRIMARY KEY (account, owner_key, name_key),
	FOREIGN KEY (account, owner_key) REFERENCES roles (account, name_key) ON UPDATE CASCADE
);

-- policies are managed policies; account is 'aws' for AWS managed ones,
-- which is why it has no foreign key.
CREATE TABLE policies (
	arn TEXT PRIMARY KEY,
	account TEXT NOT NULL,
	name_key TEXT NOT NULL,
	name TEXT NOT NULL,
	path TEXT NOT NULL,
	policy_id TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL,
	default_version INTEGER NOT NULL,
	next_version INTEGER NOT NULL,
	create_date INTEGER NOT NULL,
	tags TEXT NOT NULL,
	UNIQUE (account, name_key)
);

CREATE TABLE policy_versions (
	policy_arn TEXT NOT NULL REFERENCES policies (arn) ON DELETE CASCADE,
	version_num INTEGER NOT NULL,
	document TEXT NOT NULL,
	create_date INTEGER NOT NULL,
	PRIMARY KEY (policy_arn, version_num)
);

CREATE TABLE user_attachments (
	account TEXT NOT NULL,
	owner_key TEXT NOT NULL,
	policy_arn TEXT NOT NULL REFERENCES policies (arn),
	PRIMARY KEY (account, owner_key, policy_arn),
	FOREIGN KEY (account, owner_key) REFERENCES users (account, name_key) ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_attachments_policy ON user_attachments (policy_arn);

CREATE TABLE role_attachments (
	account TEXT NOT NULL,
	owner_key TEXT NOT NULL,
	policy_arn TEXT NOT NULL REFERENCES policies (arn),
	PRIMARY KEY (account, owner_key, policy_arn),
	FOREIGN KEY (account, owner_key) REFERENCES roles (account, name_key) ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX role_attachments_policy ON role_attachments (policy_arn);

CREATE TABLE oidc_providers (
	account TEXT NOT NULL REFERENCES accounts (id),
	url TEXT NOT NULL,
	client_ids TEXT NOT NULL,
	thumbprints TEXT NOT NULL,
	tags TEXT NOT NULL,
	create_date INTEGER NOT NULL,
	ca_bundle TEXT NOT NULL,
	PRIMARY KEY (account, url)
);

CREATE TABLE clusters (
	account TEXT NOT NULL REFERENCES accounts (id),
	region TEXT NOT NULL,
	name TEXT NOT NULL,
	arn TEXT NOT NULL,
	create_date INTEGER NOT NULL,
	oidc_issuer TEXT NOT NULL,
	oidc_issuer_ca TEXT NOT NULL,
	endpoint TEXT NOT NULL,
	certificate_authority TEXT NOT NULL,
	authentication_mode TEXT NOT NULL,
	status TEXT NOT NULL,
	version TEXT NOT NULL,
	tags TEXT NOT NULL,
	aws_auth TEXT NOT NULL, -- JSON, '' when absent
	PRIMARY KEY (account, region, name)
);

CREATE TABLE access_entries (
	account TEXT NOT NULL,
	region TEXT NOT NULL,
	cluster TEXT NOT NULL,
	principal_arn TEXT NOT NULL,
	kubernetes_groups TEXT NOT NULL,
	username TEXT NOT NULL,
	type TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	modified_at INTEGER NOT NULL,
	tags TEXT NOT NULL,
	arn TEXT NOT NULL,
	PRIMARY KEY (account, region, cluster, principal_arn),
	FOREIGN KEY (account, region, cluster) REFERENCES clusters (account, region, name) ON DELETE CASCADE
);

CREATE TABLE access_policy_associations (
	account TEXT NOT NULL,
	region TEXT NOT NULL,
	cluster TEXT NOT NULL,
	principal_arn TEXT NOT NULL,
	policy_arn TEXT NOT NULL,
	scope_type TEXT NOT NULL,
	scope_namespaces TEXT NOT NULL,
	associated_at INTEGER NOT NULL,
	modified_at INTEGER NOT NULL,
	PRIMARY KEY (account, region, cluster, principal_arn, policy_arn),
	FOREIGN KEY (account, region, cluster, principal_arn)
		REFERENCES access_entries (account, region, cluster, principal_arn) ON DELETE CASCADE
);

CREATE TABLE pod_identity_associations (
	account TEXT NOT NULL,
	region TEXT NOT NULL,
	cluster TEXT NOT NULL,
	association_id TEXT NOT NULL,
	namespace TEXT NOT NULL,
	service_account TEXT NOT NULL,
	role_arn TEXT NOT NULL,
	target_role_arn TEXT NOT NULL,
	disable_session_tags INTEGER NOT NULL,
	arn TEXT NOT NULL,
	tags TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	modified_at INTEGER NOT NULL,
	PRIMARY KEY (account, region, cluster, association_id),
	UNIQUE (account, region, cluster, namespace, service_account),
	FOREIGN KEY (account, region, cluster) REFERENCES clusters (account, region, name) ON DELETE CASCADE
);

CREATE TABLE decisions (
	request_id TEXT PRIMARY KEY,
	data BLOB NOT NULL,
	expires INTEGER NOT NULL
);
CREATE INDEX decisions_expires ON decisions (expires);
