package org.custodia;

/**
 * Refused: a purpose extension without a valid grant of the originator; the message says which
 * check failed (forged, wrong signer, another envelope, expired, not a purpose extension).
 */
public class PurposeExtensionNotGrantedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public PurposeExtensionNotGrantedException(int code, String message) {
        super(code, message);
    }
}
