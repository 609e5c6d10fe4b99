package org.custodia;

/** Argon2id costs outside the accepted range, in a keyring file (refused before any derivation) or asked for
 * a new keyring. */
public class KdfParamsOutOfRangeException extends KeyringException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public KdfParamsOutOfRangeException(int code, String message) {
        super(code, message);
    }
}
