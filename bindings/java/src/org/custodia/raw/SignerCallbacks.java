package org.custodia.raw;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * Layer 1: the C ABI's callback signer, {@code struct custodia_signer_callbacks} and its function types. custodia
 * calls {@code sign} during the operations that sign with the host's key, on the calling thread, possibly on several
 * threads at once; it must return normally (never throw) and return {@link ProviderCallbacks#OK},
 * {@link ProviderCallbacks#UNAVAILABLE} or {@link ProviderCallbacks#FAILED} (0; any other value is a failure too).
 */
public final class SignerCallbacks {
    private SignerCallbacks() {}

    /** {@code CUSTODIA_ED25519_PUBLIC_KEY_LEN}. */
    public static final int PUBLIC_KEY_LEN = 32;
    /** {@code CUSTODIA_ED25519_SIGNATURE_LEN}. */
    public static final int SIGNATURE_LEN = 64;

    /** {@code int32_t (*)(void *user_data, const uint8_t *message, size_t message_len, uint8_t *out_signature)}. */
    public interface SignFn extends Callback {
        int invoke(Pointer userData, Pointer message, long messageLen, Pointer outSignature);
    }

    /** {@code void (*)(void *user_data)}. */
    public interface ReleaseFn extends Callback {
        void invoke(Pointer userData);
    }

    /** {@code struct custodia_signer_callbacks}. */
    @Structure.FieldOrder({"sign", "release"})
    public static final class Table extends Structure {
        /** Sign a message. */
        public SignFn sign;
        /** Release the user data (may be null). */
        public ReleaseFn release;

        /** An empty table. */
        public Table() {
            super();
        }
    }
}
