package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaBuffer;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a {@code custodia_actor} handle. */
public final class ActorHandle extends NativeHandle {
    private ActorHandle(long id, CustodiaLibrary lib) {
        super("actor", id, lib::custodia_actor_free);
    }

    /** {@code custodia_actor_new}. */
    public static ActorHandle create(String userId, String role, String jurisdiction, int clearance) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        Native.check(lib.custodia_actor_new(Native.text("user id", userId), Native.text("role", role),
                Native.text("jurisdiction", jurisdiction), clearance, out));
        return new ActorHandle(out.getValue(), lib);
    }

    /** {@code custodia_actor_describe}. */
    public String describe() {
        CustodiaBuffer out = new CustodiaBuffer();
        run(id -> Native.lib().custodia_actor_describe(id, out));
        return Native.takeText(out);
    }
}
