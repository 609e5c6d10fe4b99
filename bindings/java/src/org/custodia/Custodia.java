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

    /** What protects the process's secret memory now ({@code custodia_memory_status}; docs/MEMORY.md). */
    public static MemoryProtection memoryProtection() {
        org.custodia.raw.MemoryProtection s = new org.custodia.raw.MemoryProtection();
        Native.check(Native.lib().custodia_memory_status(s));
        s.read();
        java.util.Optional<Boolean> dumpable = s.dumpable < 0 ? java.util.Optional.empty()
                : java.util.Optional.of(s.dumpable != 0);
        return new MemoryProtection(s.locked_bytes, s.unlocked_bytes, s.lock_failures, s.dontdump_failures,
                s.live_secrets, dumpable);
    }

    /**
     * Opt the whole process out of core dumps ({@code prctl(PR_SET_DUMPABLE, 0)}) for the rest of its life; it also
     * stops other processes of the same user from attaching a debugger.
     *
     * @throws EnvironmentException where the system refuses
     */
    public static void disableCoreDumps() {
        Native.check(Native.lib().custodia_disable_core_dumps());
    }

    /** The stable name of a status code ({@code "purpose_not_permitted"}), as the library gives it. */
    public static String statusName(int code) {
        return Native.lib().custodia_status_name(code);
    }
}
