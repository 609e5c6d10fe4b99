package org.custodia;

/**
 * Refused: adding another authority's key (sharing) needs the purpose {@code mla.execution} (or one
 * under it), granted by the envelope; the stated purpose was another.
 */
public class TransferNotPermittedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public TransferNotPermittedException(int code, String message) {
        super(code, message);
    }
}
