package org.custodia;

/** Refused: the other authority whose key was to be added acts in a jurisdiction the envelope does not permit. */
public class RecipientNotPermittedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public RecipientNotPermittedException(int code, String message) {
        super(code, message);
    }
}
