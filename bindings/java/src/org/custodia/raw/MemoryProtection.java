package org.custodia.raw;

import com.sun.jna.Structure;

/** Layer 1: {@code struct custodia_memory_protection}. */
@Structure.FieldOrder({"locked_bytes", "unlocked_bytes", "lock_failures", "dontdump_failures", "live_secrets",
        "dumpable"})
public final class MemoryProtection extends Structure {
    public long locked_bytes;
    public long unlocked_bytes;
    public long lock_failures;
    public long dontdump_failures;
    public long live_secrets;
    /** 1 dumpable, 0 not, -1 unknown. */
    public int dumpable;
}
