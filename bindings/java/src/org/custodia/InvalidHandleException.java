package org.custodia;

/** An object was used after {@code close()} (or its native handle is otherwise not live). */
public class InvalidHandleException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InvalidHandleException(int code, String message) {
        super(code, message);
    }
}
