package org.custodia;

/** Refused: the other authority's key was imported without a jurisdiction; import it again with one. */
public class RecipientJurisdictionUnknownException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public RecipientJurisdictionUnknownException(int code, String message) {
        super(code, message);
    }
}
