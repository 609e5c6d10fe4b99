package org.custodia;

/** Refused: a signature from a specific signer was required but the envelope was signed by another key or not at all. */
public class SignerMismatchException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public SignerMismatchException(int code, String message) {
        super(code, message);
    }
}
