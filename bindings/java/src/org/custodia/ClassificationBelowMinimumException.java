package org.custodia;

/** A classification below the minimum its category allows. */
public class ClassificationBelowMinimumException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ClassificationBelowMinimumException(int code, String message) {
        super(code, message);
    }
}
