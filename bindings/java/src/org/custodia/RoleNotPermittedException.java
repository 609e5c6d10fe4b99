package org.custodia;

/** Refused by need-to-know (211): the actor's role may not open this category, or for this purpose. */
public class RoleNotPermittedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public RoleNotPermittedException(int code, String message) {
        super(code, message);
    }
}
