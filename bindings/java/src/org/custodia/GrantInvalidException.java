package org.custodia;

/**
 * Bytes that are not a well-formed grant (structure, lengths, canonical encoding, armor).
 */
public class GrantInvalidException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public GrantInvalidException(int code, String message) {
        super(code, message);
    }
}
