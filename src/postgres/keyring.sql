-- The keyring on PostgreSQL (docs/KEYS.md "The keyring on PostgreSQL"). `{schema}` and `{app_role}` are replaced by
-- checked identifiers. One row per keyring: the same sealed bytes as keyring.cdk (encrypted and authenticated under
-- the passphrase-derived key; the database never sees a clear secret) and a version every write raises by one.
CREATE TABLE IF NOT EXISTS {schema}.keyring (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    version bigint NOT NULL CHECK (version > 0),
    document bytea NOT NULL CHECK (octet_length(document) BETWEEN 1 AND 67108864),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A write raises the version by exactly one and never renames the row, so a server that saw version v and now reads
-- v again has missed no change. (A superuser can bypass this; the document's own generation catches what it can.)
CREATE OR REPLACE FUNCTION {schema}.keyring_version_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name <> OLD.name OR NEW.version <> OLD.version + 1 THEN
        RAISE EXCEPTION 'custodia keyring: a write must raise the version by one (% -> %)', OLD.version, NEW.version;
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS keyring_version_step ON {schema}.keyring;
CREATE TRIGGER keyring_version_step BEFORE UPDATE ON {schema}.keyring
    FOR EACH ROW EXECUTE FUNCTION {schema}.keyring_version_step();

-- The application reads the row, creates it once and updates it; it never deletes it.
REVOKE ALL ON {schema}.keyring FROM PUBLIC;
GRANT SELECT, INSERT ON {schema}.keyring TO {app_role};
GRANT UPDATE (version, document, updated_at) ON {schema}.keyring TO {app_role};
