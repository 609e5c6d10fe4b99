package org.custodia;

/** Refused: sealing for another authority's key needs the envelope's destinations to name its jurisdiction (the message says which to add). */
public class DestinationRequiredException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public DestinationRequiredException(int code, String message) {
        super(code, message);
    }
}
