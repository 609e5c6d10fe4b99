package org.custodia;

/** A seekable reader found a chunk changed since it was verified: the source was modified while open. */
public class EnvelopeChangedException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public EnvelopeChangedException(int code, String message) {
        super(code, message);
    }
}
