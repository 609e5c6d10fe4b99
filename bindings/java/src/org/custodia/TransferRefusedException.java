package org.custodia;

/** Refused (212): a transfer rule of the access policy refuses this category going to this jurisdiction. */
public class TransferRefusedException extends RefusalException {
    private static final long serialVersionUID = 1L;

    /** Made by {@link CustodiaException#of}; public so hosts can build one in tests of their own handlers. */
    public TransferRefusedException(int code, String message) {
        super(code, message);
    }
}
