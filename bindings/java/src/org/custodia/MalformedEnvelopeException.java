package org.custodia;

/** Bytes that are not a well-formed custodia envelope (or armor), a version or suite this library does not support, or a size over the format limits. */
public class MalformedEnvelopeException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public MalformedEnvelopeException(int code, String message) {
        super(code, message);
    }
}
