package org.custodia;

import java.util.Optional;

/**
 * What protects the process's secret memory at one moment ({@link Custodia#memoryProtection()}; docs/MEMORY.md).
 * The library keeps every long-lived secret (keyring secrets and file key, KEKs, identities, signing keys) in pages
 * locked in RAM ({@code mlock}), excluded from core dumps ({@code MADV_DONTDUMP}) and wiped when released; where the
 * system refuses to lock ({@code RLIMIT_MEMLOCK} without {@code CAP_IPC_LOCK}) they keep working, unlocked, and
 * this says so.
 *
 * @param lockedBytes bytes of the secret pool locked in RAM (whole pages)
 * @param unlockedBytes bytes of the secret pool the system refused to lock (may be swapped out); 0 when all is locked
 * @param lockFailures how many times the system refused to lock a pool page since the process started
 * @param dontdumpFailures how many times the system refused to exclude a pool page from core dumps
 * @param liveSecrets secrets alive in the pool now
 * @param dumpable whether the process may leave a core dump; empty where that cannot be read
 */
public record MemoryProtection(long lockedBytes, long unlockedBytes, long lockFailures, long dontdumpFailures,
        long liveSecrets, Optional<Boolean> dumpable) {
    /** Every pool page in use is locked and excluded from core dumps. */
    public boolean fullyProtected() {
        return unlockedBytes == 0 && dontdumpFailures == 0;
    }
}
