package org.custodia;

/**
 * Refused: an onward transfer (adding another authority's key) by a custodian that is not the
 * envelope's originator, without a valid grant of the originator naming that key; the message says what is
 * missing or wrong (no grant, unsigned envelope, forged, wrong signer, another envelope, expired, jurisdiction).
 */
public class OnwardTransferNotGrantedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public OnwardTransferNotGrantedException(int code, String message) {
        super(code, message);
    }
}
