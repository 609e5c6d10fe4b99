package org.custodia;

/**
 * An audit anchor's signature (or a counter-signature on it) does not verify against the key given, or the anchor
 * belongs to another log: it was forged, altered, or comes from another custodian.
 */
public class AnchorInvalidException extends AuditException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public AnchorInvalidException(int code, String message) {
        super(code, message);
    }
}
