package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a {@code custodia_custodian_options} handle. */
public final class CustodianOptionsHandle extends NativeHandle {
    private CustodianOptionsHandle(long id, CustodiaLibrary lib) {
        super("custodian options", id, lib::custodia_custodian_options_free);
    }

    /** {@code custodia_custodian_options_new}. */
    public static CustodianOptionsHandle create() {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        Native.check(lib.custodia_custodian_options_new(out));
        return new CustodianOptionsHandle(out.getValue(), lib);
    }

    /** {@code custodia_custodian_options_set_create}. */
    public void setCreate(boolean create) {
        run(id -> Native.lib().custodia_custodian_options_set_create(id, (byte) (create ? 1 : 0)));
    }

    /** {@code custodia_custodian_options_set_kdf}. */
    public void setKdf(int memoryKib, int passes, int lanes) {
        run(id -> Native.lib().custodia_custodian_options_set_kdf(id, memoryKib, passes, lanes));
    }

    /** {@code custodia_custodian_options_add_provider}: {@code provider} is a live key provider handle id. */
    public void addProvider(long provider) {
        run(id -> Native.lib().custodia_custodian_options_add_provider(id, provider));
    }

    /**
     * {@code custodia_custodian_options_set_case_keys}: {@code provider} is a live key provider handle id, {@code kek}
     * its 16-byte key id; the two bounds are unsigned 64-bit values.
     */
    public void setCaseKeys(long provider, byte[] kek, long cacheTtlSecs, long cacheMaxUses) {
        run(id -> Native.lib().custodia_custodian_options_set_case_keys(id, provider, kek, cacheTtlSecs,
                cacheMaxUses));
    }

    /** {@code custodia_custodian_options_add_signer}: {@code signer} is a live signer handle id. */
    public void addSigner(long signer) {
        run(id -> Native.lib().custodia_custodian_options_add_signer(id, signer));
    }

    /** {@code custodia_custodian_options_set_audit_signer}: {@code signer} is a live signer handle id. */
    public void setAuditSigner(long signer) {
        run(id -> Native.lib().custodia_custodian_options_set_audit_signer(id, signer));
    }

    /** {@code custodia_custodian_options_set_durability}. */
    public void setDurability(int durability, long maxBatch, int maxDelayUs) {
        run(id -> Native.lib().custodia_custodian_options_set_durability(id, durability, maxBatch, maxDelayUs));
    }

    /** {@code custodia_custodian_options_add_audit_sink}; the caller keeps {@code sink} reachable while it may run. */
    public void addAuditSink(org.custodia.raw.AuditSinkFn sink) {
        run(id -> Native.lib().custodia_custodian_options_add_audit_sink(id, sink, null));
    }

    /** {@code custodia_custodian_options_set_require_audit_sinks}. */
    public void setRequireAuditSinks(boolean require) {
        run(id -> Native.lib().custodia_custodian_options_set_require_audit_sinks(id, (byte) (require ? 1 : 0)));
    }
}
