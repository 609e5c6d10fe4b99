package org.custodia;

/** An exception ground is incomplete: missing reference, or a justification shorter than 5 words / 30 characters. */
public class InvalidExceptionGroundException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InvalidExceptionGroundException(int code, String message) {
        super(code, message);
    }
}
