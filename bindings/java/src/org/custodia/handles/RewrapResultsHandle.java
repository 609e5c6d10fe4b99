package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import java.util.function.ToIntFunction;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a handle to rewrap results (released with {@code custodia_rewrap_results_free}); what it points to lives until it is closed. */
public final class RewrapResultsHandle extends NativeHandle {
    private RewrapResultsHandle(long id, CustodiaLibrary lib) {
        super("rewrap results", id, lib::custodia_rewrap_results_free);
    }

    /** Run {@code make} (a call whose last argument is the out-handle), check its status, and own the handle. */
    public static RewrapResultsHandle create(ToIntFunction<LongByReference> make) {
        LongByReference out = new LongByReference();
        Native.check(make.applyAsInt(out));
        return new RewrapResultsHandle(out.getValue(), Native.lib());
    }
}
