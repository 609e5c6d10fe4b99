package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaBuffer;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a {@code custodia_exception_ground} handle (a stated legal ground to open data for another purpose). */
public final class ExceptionGroundHandle extends NativeHandle {
    private ExceptionGroundHandle(long id, CustodiaLibrary lib) {
        super("exception ground", id, lib::custodia_exception_ground_free);
    }

    /** {@code custodia_exception_ground_new}. */
    public static ExceptionGroundHandle create(int kind, String reference, String justification) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        Native.check(lib.custodia_exception_ground_new(kind, Native.text("reference", reference),
                Native.text("justification", justification), out));
        return new ExceptionGroundHandle(out.getValue(), lib);
    }

    /** {@code custodia_exception_ground_with_approval}: a new handle, this one's exception with the approval. */
    public ExceptionGroundHandle withApproval(String approvalText) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        run(id -> lib.custodia_exception_ground_with_approval(id, Native.text("approval", approvalText), out));
        return new ExceptionGroundHandle(out.getValue(), lib);
    }

    /** {@code custodia_exception_ground_describe}. */
    public String describe() {
        CustodiaBuffer out = new CustodiaBuffer();
        run(id -> Native.lib().custodia_exception_ground_describe(id, out));
        return Native.takeText(out);
    }
}
