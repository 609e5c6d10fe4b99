package org.custodia;

/** Refused: the envelope's not-after time has passed. */
public class ExpiredException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ExpiredException(int code, String message) {
        super(code, message);
    }
}
