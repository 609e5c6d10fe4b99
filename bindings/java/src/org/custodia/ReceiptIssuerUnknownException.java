package org.custodia;

/**
 * A disclosure receipt is signed by a key that is not the one expected: not an imported public signing key of
 * another authority ({@link Custodian#importReceipt}), or not the key given ({@link Receipt#verify}).
 */
public class ReceiptIssuerUnknownException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ReceiptIssuerUnknownException(int code, String message) {
        super(code, message);
    }
}
