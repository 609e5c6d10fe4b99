package org.custodia;

import com.sun.jna.ptr.LongByReference;
import org.custodia.handles.Native;
import org.custodia.raw.LibraryLoader;

/** Facts about the loaded native library. */
public final class Custodia {
    private Custodia() {}

    /** The library version ({@code "0.1.0"}). Loads the library (and checks its ABI) if not yet loaded. */
    public static String version() {
        return Native.lib().custodia_version();
    }

    /** The C ABI version of the loaded library (always {@link LibraryLoader#EXPECTED_ABI_VERSION}: it is checked). */
    public static int abiVersion() {
        return Native.lib().custodia_abi_version();
    }

    /** How many native handles and buffers are live in this process: for leak checks in tests. */
    public static long[] liveCounts() {
        LongByReference handles = new LongByReference();
        LongByReference buffers = new LongByReference();
        Native.check(Native.lib().custodia_live_counts(handles, buffers));
        return new long[] {handles.getValue(), buffers.getValue()};
    }

    /** The stable name of a status code ({@code "purpose_not_permitted"}), as the library gives it. */
    public static String statusName(int code) {
        return Native.lib().custodia_status_name(code);
    }
}
