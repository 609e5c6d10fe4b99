package org.custodia.handles;

import com.sun.jna.ptr.LongByReference;
import org.custodia.raw.CustodiaBuffer;
import org.custodia.raw.CustodiaLibrary;

/** Layer 2: a {@code custodia_access_policy} handle (a validated access policy, immutable). */
public final class AccessPolicyHandle extends NativeHandle {
    private AccessPolicyHandle(long id, CustodiaLibrary lib) {
        super("access policy", id, lib::custodia_access_policy_free);
    }

    /** {@code custodia_access_policy_parse}. */
    public static AccessPolicyHandle parse(String toml) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        Native.check(lib.custodia_access_policy_parse(Native.text("toml", toml), out));
        return new AccessPolicyHandle(out.getValue(), lib);
    }

    /** {@code custodia_access_policy_load_file}. */
    public static AccessPolicyHandle load(String path) {
        CustodiaLibrary lib = Native.lib();
        LongByReference out = new LongByReference();
        Native.check(lib.custodia_access_policy_load_file(Native.text("path", path), out));
        return new AccessPolicyHandle(out.getValue(), lib);
    }

    /** {@code custodia_access_policy_sha256}. */
    public String sha256() {
        CustodiaBuffer out = new CustodiaBuffer();
        run(id -> Native.lib().custodia_access_policy_sha256(id, out));
        return Native.takeText(out);
    }
}
