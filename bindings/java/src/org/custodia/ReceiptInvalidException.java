package org.custodia;

/** A disclosure receipt is malformed, oversized, or its signature does not verify. */
public class ReceiptInvalidException extends EnvelopeException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public ReceiptInvalidException(int code, String message) {
        super(code, message);
    }
}
