package org.custodia;

/** None of the available keys matches a recipient of the envelope. */
public class NoMatchingRecipientException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public NoMatchingRecipientException(int code, String message) {
        super(code, message);
    }
}
