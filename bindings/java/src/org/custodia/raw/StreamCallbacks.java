package org.custodia.raw;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;

/**
 * Layer 1: the C ABI's stream callbacks, {@code custodia_read_fn} and {@code custodia_write_fn}. custodia calls
 * them only on the thread that called it, during that call; they must return normally (never throw).
 */
public final class StreamCallbacks {
    private StreamCallbacks() {}

    /** {@code int (*)(void *context, uint8_t *buffer, size_t capacity, size_t *out_read)}. */
    public interface ReadFn extends Callback {
        int invoke(Pointer context, Pointer buffer, long capacity, Pointer outRead);
    }

    /** {@code int (*)(void *context, const uint8_t *data, size_t len)}. */
    public interface WriteFn extends Callback {
        int invoke(Pointer context, Pointer data, long len);
    }
}
