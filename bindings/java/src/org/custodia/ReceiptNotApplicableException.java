package org.custodia;

/**
 * Refused: a disclosure receipt names an object this custodian never sealed or shared (import) or never received
 * (issue), or another case than the object was sent for.
 */
public class ReceiptNotApplicableException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ReceiptNotApplicableException(int code, String message) {
        super(code, message);
    }
}
