package org.custodia;

/** The envelope's signature does not verify. */
public class SignatureInvalidException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public SignatureInvalidException(int code, String message) {
        super(code, message);
    }
}
