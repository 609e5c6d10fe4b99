package org.custodia.handles;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.function.LongFunction;
import java.util.function.LongToIntFunction;
import org.custodia.InvalidHandleException;
import org.custodia.Status;

/**
 * Layer 2: one native handle (a generation-checked 64-bit id, not an address), owned by exactly one Java object.
 *
 * <p>{@link #close()} frees it; a {@link Cleaner} frees it too if the owner is dropped without closing (the C ABI
 * allows {@code _free} from any thread, which is what the cleaner thread is). Either way it is freed once. Use
 * after close throws {@link InvalidHandleException} here; a close racing with a call on another thread is safe
 * too: the native side lets the call finish, or refuses it with the same exception.
 */
public abstract class NativeHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final String kind;
    private final long id;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    /** Take ownership of {@code id}, to be released with {@code free}, which must not refer to this object. */
    protected NativeHandle(String kind, long id, LongToIntFunction free) {
        this.kind = kind;
        this.id = id;
        this.cleanable = CLEANER.register(this, new Free(id, free));
    }

    /**
     * Run {@code call} with the live id, keeping this object reachable until it returns, so that the cleaner
     * cannot free the handle in the middle of a call.
     */
    public final <T> T call(LongFunction<T> call) {
        try {
            return call.apply(id());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Like {@link #call}, for a call returning a status, which is checked. */
    public final void run(LongToIntFunction call) {
        try {
            Native.check(call.applyAsInt(id()));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The raw id, for passing to another handle's call inside {@link #call}; the caller keeps this reachable. */
    public final long id() {
        if (closed) {
            throw new InvalidHandleException(Status.INVALID_HANDLE.code(), "this " + kind + " is closed");
        }
        return id;
    }

    /** Whether {@link #close()} was called. */
    public final boolean isClosed() {
        return closed;
    }

    /** Free the native handle; later calls are no-ops. */
    @Override
    public final void close() {
        closed = true;
        cleanable.clean();
    }

    @Override
    public String toString() {
        return kind + (closed ? " (closed)" : "");
    }

    /** The cleaning action: holds only the id and the free function, never the owner. */
    private static final class Free implements Runnable {
        private final long id;
        private final LongToIntFunction free;

        Free(long id, LongToIntFunction free) {
            this.id = id;
            this.free = free;
        }

        @Override
        public void run() {
            // A failure here means the id was already not live; there is nothing left to release.
            free.applyAsInt(id);
        }
    }
}
