package org.custodia;

/** An argument was malformed (1xx); the message names the argument and the rule. A programming error or bad input, never a refusal. */
public class InvalidArgumentException extends CustodiaException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public InvalidArgumentException(int code, String message) {
        super(code, message);
    }
}
