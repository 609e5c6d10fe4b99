package org.custodia;

/** A key provider (an HSM over PKCS#11, a host's KMS) could not be reached; nothing was wrapped or unwrapped. */
public class ProviderUnavailableException extends KeyringException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ProviderUnavailableException(int code, String message) {
        super(code, message);
    }
}
