package org.custodia;

/**
 * When an audit entry is on disk ({@code custodia_durability}), chosen with {@link Custodian.Options#durability}.
 */
public enum Durability {
    /** Every entry is synced ({@code fdatasync}) before its operation returns. The default. */
    FSYNC_EACH(0),
    /**
     * Concurrent operations share one sync; none returns before its own entry is synced, so nothing is weakened.
     * Many-threaded hosts gain throughput, a single thread only the added delay.
     */
    GROUP_COMMIT(1),
    /**
     * Entries are handed to the operating system without waiting for the disk; checkpoints are still synced.
     * Entries since the last checkpoint can be lost in an operating-system crash or power cut: a weaker promise.
     */
    OS_BUFFERED(2);

    private final int code;

    Durability(int code) {
        this.code = code;
    }

    /** The stable C code. */
    public int code() {
        return code;
    }
}
