package org.custodia;

/** The envelope failed authentication: altered, or sealed under other keys. Deliberately says nothing more. */
public class OpenFailedException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public OpenFailedException(int code, String message) {
        super(code, message);
    }
}
