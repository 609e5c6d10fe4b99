package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import java.util.function.ToIntFunction;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a handle to legal hold list (released with {@code custodia_legal_hold_list_free}); what it points to lives until it is closed. */
public final class LegalHoldListHandle extends NativeHandle {
    private LegalHoldListHandle(long id, CustodiaLibrary lib) {
        super("legal hold list", id, lib::custodia_legal_hold_list_free);
    }

    /** Run {@code make} (a call whose last argument is the out-handle), check its status, and own the handle. */
    public static LegalHoldListHandle create(ToIntFunction<LongByReference> make) {
        LongByReference out = new LongByReference();
        Native.check(make.applyAsInt(out));
        return new LegalHoldListHandle(out.getValue(), Native.lib());
    }
}
