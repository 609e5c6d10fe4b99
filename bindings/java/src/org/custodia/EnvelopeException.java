package org.custodia;

/** The bytes are not an envelope this library can open (3xx). */
public class EnvelopeException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public EnvelopeException(int code, String message) {
        super(code, message);
    }
}
