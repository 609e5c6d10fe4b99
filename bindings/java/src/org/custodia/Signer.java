package org.custodia;

/**
 * A holder of an Ed25519 signing key that signs without letting the key out: a host's own HSM or KMS, plugged in with
 * {@link Custodian.Options#signer(Signer)} (a key named by id: {@link SealOptions} signer, grants, receipts) or
 * {@link Custodian.Options#auditSigner(Signer)} (the audit log's key), through the C ABI's callback signer.
 *
 * <p>custodia calls {@link #sign} during the operations that sign with the key, on the calling thread, possibly on
 * several threads at once: implementations must be thread-safe. Every signature it returns is verified against
 * {@link #publicKey} before use: a wrong one is a {@link ProviderFailedException} (for an audit entry an {@link
 * AuditWriteException}) and nothing is signed. Nothing it throws crosses into the library: {@link
 * ProviderUnavailableException} means "cannot be reached", anything else is a failure ({@link
 * ProviderFailedException} for the custodia call), never a success.
 */
public interface Signer {
    /**
     * The key's 32-byte Ed25519 public key (read once, when a custodian is opened with the signer). With the JDK's
     * {@code Ed25519} keys: the last 32 bytes of {@code PublicKey.getEncoded()} (X.509 SubjectPublicKeyInfo).
     */
    byte[] publicKey();

    /**
     * The 64-byte Ed25519 signature of {@code message}: plain Ed25519 (RFC 8032 PureEdDSA, the whole message, no
     * pre-hash, no context), as the JDK's {@code Signature.getInstance("Ed25519")} makes. Throw {@link
     * ProviderUnavailableException} when the key service cannot be reached, anything else when it refuses.
     */
    byte[] sign(byte[] message);

    /**
     * The custodia key id of the key (how seal options, grants, receipts and envelopes name it), as the library
     * computes it from {@link #publicKey}.
     *
     * @throws InvalidArgumentException when {@link #publicKey} is not a valid Ed25519 public key
     */
    default KeyId keyId() {
        return SignerBridge.keyId(this);
    }
}
