package org.custodia;

/** A bug in custodia (a caught panic), or a handle poisoned by one: close the object and make a new one. */
public class InternalException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InternalException(int code, String message) {
        super(code, message);
    }
}
