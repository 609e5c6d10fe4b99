package org.custodia;

/** The access policy (file or text) is invalid (108); the message gives the line and column of the problem. */
public class PolicyInvalidException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public PolicyInvalidException(int code, String message) {
        super(code, message);
    }
}
