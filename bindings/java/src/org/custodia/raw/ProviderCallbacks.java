package org.custodia.raw;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * Layer 1: the C ABI's callback key provider, {@code struct custodia_key_provider_callbacks} and its function types.
 * custodia calls them during seal and open calls, on the calling thread, possibly on several threads at once; they
 * must return normally (never throw) and return one of the {@code CUSTODIA_PROVIDER_*} results (0 is a failure).
 */
public final class ProviderCallbacks {
    private ProviderCallbacks() {}

    /** {@code CUSTODIA_PROVIDER_FAILED}: also what 0 means. */
    public static final int FAILED = 0;
    /** {@code CUSTODIA_PROVIDER_OK}. */
    public static final int OK = 1;
    /** {@code CUSTODIA_PROVIDER_NOT_MINE}. */
    public static final int NOT_MINE = 2;
    /** {@code CUSTODIA_PROVIDER_AUTH_FAILED} (unwrap only). */
    public static final int AUTH_FAILED = 3;
    /** {@code CUSTODIA_PROVIDER_UNAVAILABLE}. */
    public static final int UNAVAILABLE = 4;

    /** {@code int32_t (*)(void *user_data, const uint8_t *key_id)}. */
    public interface HoldsFn extends Callback {
        int invoke(Pointer userData, Pointer keyId);
    }

    /** {@code int32_t (*)(user_data, key_id, data_key, data_key_len, aad, aad_len, out, out_capacity, out_len)}. */
    public interface WrapFn extends Callback {
        int invoke(Pointer userData, Pointer keyId, Pointer dataKey, long dataKeyLen, Pointer aad, long aadLen,
                Pointer out, long outCapacity, Pointer outLen);
    }

    /** {@code int32_t (*)(user_data, key_id, wrapped, wrapped_len, aad, aad_len, out_key, out_key_len)}. */
    public interface UnwrapFn extends Callback {
        int invoke(Pointer userData, Pointer keyId, Pointer wrapped, long wrappedLen, Pointer aad, long aadLen,
                Pointer outKey, long outKeyLen);
    }

    /** {@code void (*)(void *user_data)}. */
    public interface ReleaseFn extends Callback {
        void invoke(Pointer userData);
    }

    /** {@code struct custodia_key_provider_callbacks}. */
    @Structure.FieldOrder({"holds", "wrap", "unwrap", "release"})
    public static final class Table extends Structure {
        /** Does the provider hold this key? */
        public HoldsFn holds;
        /** Wrap a data key. */
        public WrapFn wrap;
        /** Unwrap a data key. */
        public UnwrapFn unwrap;
        /** Release the user data (may be null). */
        public ReleaseFn release;

        /** An empty table. */
        public Table() {
            super();
        }
    }
}
