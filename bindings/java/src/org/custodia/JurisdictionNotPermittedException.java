package org.custodia;

/** Refused: the actor's jurisdiction is not one the data may be opened in. */
public class JurisdictionNotPermittedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public JurisdictionNotPermittedException(int code, String message) {
        super(code, message);
    }
}
