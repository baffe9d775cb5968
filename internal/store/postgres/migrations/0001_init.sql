-- trustbridge store schema, version 1 (PostgreSQL).
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
	id BIGINT PRIMARY KEY CHECK (id = 1),
	value BIGINT NOT NULL
);
INSERT INTO store_revision (id, value) VALUES (1, 0);

CREATE TABLE accounts (
	id TEXT COLLATE "C" PRIMARY KEY,
	alias TEXT COLLATE "C" NOT NULL,
	create_date BIGINT NOT NULL
);

CREATE TABLE users (
	account TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	name_key TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	path TEXT COLLATE "C" NOT NULL,
	user_id TEXT COLLATE "C" NOT NULL UNIQUE,
	create_date BIGINT NOT NULL,
	boundary_arn TEXT COLLATE "C" NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account, name_key)
);
CREATE INDEX users_boundary ON users (boundary_arn) WHERE boundary_arn <> '';

CREATE TABLE access_keys (
	access_key_id TEXT COLLATE "C" PRIMARY KEY,
	account TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	user_key TEXT COLLATE "C", -- NULL for the account root's keys
	secret BYTEA NOT NULL,
	status TEXT COLLATE "C" NOT NULL,
	create_date BIGINT NOT NULL,
	last_used_date BIGINT NOT NULL,
	last_used_service TEXT COLLATE "C" NOT NULL,
	last_used_region TEXT COLLATE "C" NOT NULL,
	FOREIGN KEY (account, user_key) REFERENCES users (account, name_key) ON UPDATE CASCADE
);
CREATE INDEX access_keys_user ON access_keys (account, user_key);

CREATE TABLE roles (
	account TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	name_key TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	path TEXT COLLATE "C" NOT NULL,
	role_id TEXT COLLATE "C" NOT NULL UNIQUE,
	create_date BIGINT NOT NULL,
	trust_policy TEXT COLLATE "C" NOT NULL,
	description TEXT COLLATE "C" NOT NULL,
	max_session_duration BIGINT NOT NULL,
	boundary_arn TEXT COLLATE "C" NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	last_used_date BIGINT NOT NULL,
	last_used_region TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account, name_key)
);
CREATE INDEX roles_boundary ON roles (boundary_arn) WHERE boundary_arn <> '';

CREATE TABLE user_policies (
	account TEXT COLLATE "C" NOT NULL,
	owner_key TEXT COLLATE "C" NOT NULL,
	name_key TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	document TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account, owner_key, name_key),
	FOREIGN KEY (account, owner_key) REFERENCES users (account, name_key) ON UPDATE CASCADE
);

CREATE TABLE role_policies (
	account TEXT COLLATE "C" NOT NULL,
	owner_key TEXT COLLATE "C" NOT NULL,
	name_key TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	document TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account, owner_key, name_key),
	FOREIGN KEY (account, owner_key) REFERENCES roles (account, name_key) ON UPDATE CASCADE
);

-- policies are managed policies; account is 'aws' for AWS managed ones,
-- which is why it has no foreign key.
CREATE TABLE policies (
	arn TEXT COLLATE "C" PRIMARY KEY,
	account TEXT COLLATE "C" NOT NULL,
	name_key TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	path TEXT COLLATE "C" NOT NULL,
	policy_id TEXT COLLATE "C" NOT NULL UNIQUE,
	description TEXT COLLATE "C" NOT NULL,
	default_version BIGINT NOT NULL,
	next_version BIGINT NOT NULL,
	create_date BIGINT NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	UNIQUE (account, name_key)
);

CREATE TABLE policy_versions (
	policy_arn TEXT COLLATE "C" NOT NULL REFERENCES policies (arn) ON DELETE CASCADE,
	version_num BIGINT NOT NULL,
	document TEXT COLLATE "C" NOT NULL,
	create_date BIGINT NOT NULL,
	PRIMARY KEY (policy_arn, version_num)
);

CREATE TABLE user_attachments (
	account TEXT COLLATE "C" NOT NULL,
	owner_key TEXT COLLATE "C" NOT NULL,
	policy_arn TEXT COLLATE "C" NOT NULL REFERENCES policies (arn),
	PRIMARY KEY (account, owner_key, policy_arn),
	FOREIGN KEY (account, owner_key) REFERENCES users (account, name_key) ON UPDATE CASCADE
);
CREATE INDEX user_attachments_policy ON user_attachments (policy_arn);

CREATE TABLE role_attachments (
	account TEXT COLLATE "C" NOT NULL,
	owner_key TEXT COLLATE "C" NOT NULL,
	policy_arn TEXT COLLATE "C" NOT NULL REFERENCES policies (arn),
	PRIMARY KEY (account, owner_key, policy_arn),
	FOREIGN KEY (account, owner_key) REFERENCES roles (account, name_key) ON UPDATE CASCADE
);
CREATE INDEX role_attachments_policy ON role_attachments (policy_arn);

CREATE TABLE oidc_providers (
	account TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	url TEXT COLLATE "C" NOT NULL,
	client_ids TEXT COLLATE "C" NOT NULL,
	thumbprints TEXT COLLATE "C" NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	create_date BIGINT NOT NULL,
	ca_bundle TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account, url)
);

CREATE TABLE clusters (
	account TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
	region TEXT COLLATE "C" NOT NULL,
	name TEXT COLLATE "C" NOT NULL,
	arn TEXT COLLATE "C" NOT NULL,
	create_date BIGINT NOT NULL,
	oidc_issuer TEXT COLLATE "C" NOT NULL,
	oidc_issuer_ca TEXT COLLATE "C" NOT NULL,
	endpoint TEXT COLLATE "C" NOT NULL,
	certificate_authority TEXT COLLATE "C" NOT NULL,
	authentication_mode TEXT COLLATE "C" NOT NULL,
	status TEXT COLLATE "C" NOT NULL,
	version TEXT COLLATE "C" NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	aws_auth TEXT COLLATE "C" NOT NULL, -- JSON, '' when absent
	PRIMARY KEY (account, region, name)
);

CREATE TABLE access_entries (
	account TEXT COLLATE "C" NOT NULL,
	region TEXT COLLATE "C" NOT NULL,
	cluster TEXT COLLATE "C" NOT NULL,
	principal_arn TEXT COLLATE "C" NOT NULL,
	kubernetes_groups TEXT COLLATE "C" NOT NULL,
	username TEXT COLLATE "C" NOT NULL,
	type TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	modified_at BIGINT NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	arn TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (account, region, cluster, principal_arn),
	FOREIGN KEY (account, region, cluster) REFERENCES clusters (account, region, name) ON DELETE CASCADE
);

CREATE TABLE access_policy_associations (
	account TEXT COLLATE "C" NOT NULL,
	region TEXT COLLATE "C" NOT NULL,
	cluster TEXT COLLATE "C" NOT NULL,
	principal_arn TEXT COLLATE "C" NOT NULL,
	policy_arn TEXT COLLATE "C" NOT NULL,
	scope_type TEXT COLLATE "C" NOT NULL,
	scope_namespaces TEXT COLLATE "C" NOT NULL,
	associated_at BIGINT NOT NULL,
	modified_at BIGINT NOT NULL,
	PRIMARY KEY (account, region, cluster, principal_arn, policy_arn),
	FOREIGN KEY (account, region, cluster, principal_arn)
		REFERENCES access_entries (account, region, cluster, principal_arn) ON DELETE CASCADE
);

CREATE TABLE pod_identity_associations (
	account TEXT COLLATE "C" NOT NULL,
	region TEXT COLLATE "C" NOT NULL,
	cluster TEXT COLLATE "C" NOT NULL,
	association_id TEXT COLLATE "C" NOT NULL,
	namespace TEXT COLLATE "C" NOT NULL,
	service_account TEXT COLLATE "C" NOT NULL,
	role_arn TEXT COLLATE "C" NOT NULL,
	target_role_arn TEXT COLLATE "C" NOT NULL,
	disable_session_tags BIGINT NOT NULL,
	arn TEXT COLLATE "C" NOT NULL,
	tags TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	modified_at BIGINT NOT NULL,
	PRIMARY KEY (account, region, cluster, association_id),
	UNIQUE (account, region, cluster, namespace, service_account),
	FOREIGN KEY (account, region, cluster) REFERENCES clusters (account, region, name) ON DELETE CASCADE
);

CREATE TABLE decisions (
	request_id TEXT COLLATE "C" PRIMARY KEY,
	data BYTEA NOT NULL,
	expires BIGINT NOT NULL
);
CREATE INDEX decisions_expires ON decisions (expires);
