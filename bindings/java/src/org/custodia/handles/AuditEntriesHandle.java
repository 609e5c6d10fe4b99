package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import java.util.function.ToIntFunction;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a handle to audit entries (released with {@code custodia_audit_entries_free}); what it points to lives until it is closed. */
public final class AuditEntriesHandle extends NativeHandle {
    private AuditEntriesHandle(long id, CustodiaLibrary lib) {
        super("audit entries", id, lib::custodia_audit_entries_free);
    }

    /** Run {@code make} (a call whose last argument is the out-handle), check its status, and own the handle. */
    public static AuditEntriesHandle create(ToIntFunction<LongByReference> make) {
        LongByReference out = new LongByReference();
        Native.check(make.applyAsInt(out));
        return new AuditEntriesHandle(out.getValue(), Native.lib());
    }
}
