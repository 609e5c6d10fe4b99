package org.custodia.raw;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * Layer 1: {@code struct custodia_audit_entry}; its strings belong to the entries handle (or, for an audit sink, to
 * the call) and die with it.
 */
@Structure.FieldOrder({"seq", "time", "kind", "actor_id", "actor_role", "actor_jurisdiction", "case_ref", "object",
        "purpose", "outcome", "json"})
public final class AuditEntry extends Structure {
    /** {@code CUSTODIA_AUDIT_SEQ_UNKNOWN}: the {@code seq} of an event given to an audit sink. */
    public static final long SEQ_UNKNOWN = -1L;

    public long seq;
    public long time;
    public Pointer kind;
    public Pointer actor_id;
    public Pointer actor_role;
    public Pointer actor_jurisdiction;
    public Pointer case_ref;
    public Pointer object;
    public Pointer purpose;
    public Pointer outcome;
    public Pointer json;

    /** An empty entry for an out-parameter. */
    public AuditEntry() {}

    /** The entry an audit sink was given (read at once). */
    public AuditEntry(Pointer p) {
        super(p);
        read();
    }
}
