package org.custodia;

/**
 * A holder of key-encryption keys that wraps and unwraps custodia's data keys without letting them out: a host's own
 * KMS or HSM, plugged in with {@link Custodian.Options#provider(KeyProvider)} (the C ABI's callback provider).
 *
 * <p>custodia calls it during seal and open calls that need one of its keys, on the calling thread, possibly on
 * several threads at once: implementations must be thread-safe. The policy gate decides before it is called. Nothing
 * it throws crosses into the library: {@link OpenFailedException} from {@link #unwrap} means "does not authenticate",
 * {@link ProviderUnavailableException} means "cannot be reached", anything else is a failure
 * ({@link ProviderFailedException} for the custodia call).
 */
public interface KeyProvider {
    /** Stanza kind 6, {@code external}: the wrapped bytes are the key service's own (1 to 1024 bytes). */
    int STANZA_EXTERNAL = 6;
    /** Stanza kind 5, {@code pkcs11-aes-gcm}: exactly {@code iv (12) || ciphertext (32) || tag (16)} of AES-256-GCM. */
    int STANZA_PKCS11_AES_GCM = 5;

    /** A short name for errors (1 to 64 bytes of UTF-8); never a secret. */
    String name();

    /** The stanza kind it writes and reads: {@link #STANZA_EXTERNAL} (the default) or {@link #STANZA_PKCS11_AES_GCM}. */
    default int stanzaKind() {
        return STANZA_EXTERNAL;
    }

    /** Whether it holds the key {@code keyId} (and so can seal to it). */
    boolean holds(KeyId keyId);

    /** Wrap the 32-byte {@code dataKey} under {@code keyId}, authenticating {@code aad}: 1 to 1024 bytes. */
    byte[] wrap(KeyId keyId, byte[] dataKey, byte[] aad);

    /**
     * The 32-byte data key, or null when {@code keyId} is not this provider's; throw {@link OpenFailedException} when
     * {@code wrapped} or {@code aad} does not authenticate.
     */
    byte[] unwrap(KeyId keyId, byte[] wrapped, byte[] aad);
}
