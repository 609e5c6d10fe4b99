package org.custodia;

/** Refused: the stated purpose is not among (or under) the purposes the data was given for. State an {@link ExceptionGround} to open it for another purpose. */
public class PurposeNotPermittedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public PurposeNotPermittedException(int code, String message) {
        super(code, message);
    }
}
