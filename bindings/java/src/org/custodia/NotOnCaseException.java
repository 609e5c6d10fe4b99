package org.custodia;

/** Refused by need-to-know (210): the access policy assigns case teams and the actor is not on the envelope's case. */
public class NotOnCaseException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public NotOnCaseException(int code, String message) {
        super(code, message);
    }
}
