-- The audit log on PostgreSQL (docs/AUDIT.md "On PostgreSQL"). `{schema}` and `{app_role}` are replaced by
-- checked identifiers. Idempotent: running it again changes nothing and keeps every row.

-- One row: where the chain stands. Appenders lock it (SELECT ... FOR UPDATE) to take the next sequence numbers,
-- and move it in the same transaction as their entries. It holds nothing the entries do not: verify checks it
-- against them.
CREATE TABLE IF NOT EXISTS {schema}.audit_head (
    id smallint PRIMARY KEY CHECK (id = 1),
    log_id bytea NOT NULL CHECK (length(log_id) = 16),
    next_seq bigint NOT NULL CHECK (next_seq >= 2),
    head bytea NOT NULL CHECK (length(head) = 32),
    since_checkpoint bigint NOT NULL CHECK (since_checkpoint >= 0),
    checkpoint_seq bigint NOT NULL CHECK (checkpoint_seq >= 1 AND checkpoint_seq < next_seq)
);

-- The entries: `line` is the entry exactly as the file log writes its line (without the newline).
CREATE TABLE IF NOT EXISTS {schema}.audit_entries (
    seq bigint PRIMARY KEY CHECK (seq >= 0),
    line text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per appending server connection (its backend's pid), touched after an append that committed with
-- `synchronous_commit = off`: this tiny transaction has an xid and writes WAL, so its commit flushes the WAL up to
-- its own commit record, which covers the append's. Appends are acknowledged only after it (docs/AUDIT.md §6.4).
-- Holds nothing the chain depends on.
CREATE TABLE IF NOT EXISTS {schema}.audit_sync (
    pid integer PRIMARY KEY,
    flushes bigint NOT NULL DEFAULT 1
);

-- The write half of an append, in the transaction that holds the head row's lock (SELECT ... FOR UPDATE): insert
-- the batch's entries and move the head row, failing (so the caller's COMMIT rolls back) if the head row is gone.
-- Returns the WAL insert position after both, which the commit record follows. SECURITY INVOKER: it can do no
-- more than the caller's role.
CREATE OR REPLACE FUNCTION {schema}.audit_append(seqs bigint[], lines text[], new_next bigint, new_head bytea,
                                                 new_since bigint, new_checkpoint bigint)
    RETURNS pg_lsn LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    INSERT INTO {schema}.audit_entries (seq, line) SELECT * FROM unnest(seqs, lines);
    UPDATE {schema}.audit_head
        SET next_seq = new_next, head = new_head, since_checkpoint = new_since, checkpoint_seq = new_checkpoint
        WHERE id = 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'custodia audit log: the head row is gone (deleted)' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN pg_current_wal_insert_lsn();
END
$$;

-- Entries are never changed or removed, whoever asks (the owner included, short of disabling the trigger, which
-- verify then catches through the chain and the anchors).
CREATE OR REPLACE FUNCTION {schema}.audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custodia audit log: % on % refused (the log is append-only)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The head row only moves forward, within its own log.
CREATE OR REPLACE FUNCTION {schema}.audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.log_id <> OLD.log_id OR NEW.next_seq < OLD.next_seq THEN
        RAISE EXCEPTION 'custodia audit log: the head row only moves forward'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS audit_entries_immutable ON {schema}.audit_entries;
CREATE TRIGGER audit_entries_immutable BEFORE UPDATE OR DELETE ON {schema}.audit_entries
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_refuse_change();
DROP TRIGGER IF EXISTS audit_entries_no_truncate ON {schema}.audit_entries;
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON {schema}.audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_refuse_change();
DROP TRIGGER IF EXISTS audit_head_forward ON {schema}.audit_head;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON {schema}.audit_head
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_head_forward();
DROP TRIGGER IF EXISTS audit_head_kept ON {schema}.audit_head;
CREATE TRIGGER audit_head_kept BEFORE DELETE ON {schema}.audit_head
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_refuse_change();
DROP TRIGGER IF EXISTS audit_head_no_truncate ON {schema}.audit_head;
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON {schema}.audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_refuse_change();

-- The application reads and inserts entries; it reads, creates (first open: the genesis entry) and moves the head
-- row, and nothing else: no UPDATE, DELETE or TRUNCATE of entries, no DELETE of the head, no change of its log id.
REVOKE ALL ON {schema}.audit_entries, {schema}.audit_head FROM PUBLIC;
REVOKE ALL ON {schema}.audit_entries, {schema}.audit_head FROM {app_role};
REVOKE ALL ON {schema}.audit_sync FROM PUBLIC;
REVOKE ALL ON FUNCTION {schema}.audit_refuse_change(), {schema}.audit_head_forward() FROM PUBLIC;
REVOKE ALL ON FUNCTION {schema}.audit_append(bigint[], text[], bigint, bytea, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {schema}.audit_append(bigint[], text[], bigint, bytea, bigint, bigint) TO {app_role};
GRANT SELECT, INSERT, UPDATE ON {schema}.audit_sync TO {app_role};
GRANT SELECT, INSERT ON {schema}.audit_entries TO {app_role};
GRANT SELECT, INSERT ON {schema}.audit_head TO {app_role};
GRANT UPDATE (next_seq, head, since_checkpoint, checkpoint_seq) ON {schema}.audit_head TO {app_role};
