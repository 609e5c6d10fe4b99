package org.custodia;

/** Refused: the actor's clearance is below the data's classification. */
public class ClearanceInsufficientException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ClearanceInsufficientException(int code, String message) {
        super(code, message);
    }
}
